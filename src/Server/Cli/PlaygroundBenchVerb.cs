using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Model;
using NanoVlm.Server.Benchmarks;
using NanoVlm.Server.Hosting;
using NanoVlm.Server.Inference;

namespace NanoVlm.Server.Cli;

/// <summary>
/// `bench-playground`: what sharing the machine costs. Starts the real server in-process on a temporary data folder and,
/// through its own services (the playground on the inference worker, the run launcher on the training thread), measures
/// (1) time to first token and decode speed of playground answers on a one-page document, per model preset, alone;
/// (2) a training run's tokens/s alone, while the playground answers continuously, and alone again;
/// (3) the answers' figures during that training. With --api it measures instead the time to first token of POST /api/ask
/// over loopback, as a client sees it. Prints a table; measured, never asserted.
/// </summary>
public sealed class PlaygroundBenchVerb : IVerb
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Name => "bench-playground";

    public string Summary => "measure playground answer latency alone and during a training run, and the run's tokens/s drop while answering";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("presets", "LIST", "model presets to ask with, comma-separated (default tiny,small)"),
        new("asks", "N", "answers per preset in each phase (default 5, after one warm-up)"),
        new("max-new-tokens", "N", "longest answer (default 32)"),
        new("train-preset", "NAME", "training preset of the run (default tiny)"),
        new("window", "SECONDS", "length of each training-alone window (default 20)"),
        new("warmup-steps", "N", "training steps before measuring (default 5)"),
        new("json", "FILE", "also write the figures as JSON"),
        new("api", null, "instead: time to first token of POST /api/ask over HTTP, as a client sees it (history kept, then not); no training run"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var presets = (arguments.GetString("presets") ?? $"{ModelPresets.TinyName},{ModelPresets.SmallName}")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var preset in presets)
        {
            if (!ModelPresets.Names.Contains(preset, StringComparer.Ordinal))
            {
                throw new UsageException($"Unknown preset '{preset}' in --presets. Known: {string.Join(", ", ModelPresets.Names)}.");
            }
        }
        var asks = arguments.GetInt("asks", 1, 1000) ?? 5;
        var maxNewTokens = arguments.GetInt("max-new-tokens", 2, 2048) ?? 32;
        var window = TimeSpan.FromSeconds(arguments.GetInt("window", 1, 3600) ?? 20);
        var warmupSteps = arguments.GetInt("warmup-steps", 1, 100_000) ?? 5;
        var trainPreset = arguments.GetString("train-preset") ?? ModelPresets.TinyName;

        var dataDir = Path.Combine(Path.GetTempPath(), "nanovlm-bench-playground-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var app = ServerHost.Build([
                $"--Storage:DataDir={dataDir}", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. arguments.ConfigurationOverrides]);
            await app.StartAsync(cancellationToken);
            if (arguments.Has("api"))
            {
                await MeasureApiAsync(app, presets, asks, maxNewTokens, console, arguments.GetString("json"), cancellationToken);
                await app.StopAsync(CancellationToken.None);
                return CommandLine.Success;
            }
            var bench = new Session(app.Services, console, maxNewTokens);
            var report = await bench.RunAsync(presets, asks, trainPreset, window, warmupSteps, cancellationToken);
            await report.PrintAsync(console.Out);
            if (arguments.GetString("json") is { } jsonPath)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, Json), cancellationToken);
            }
            await app.StopAsync(CancellationToken.None);
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
        return CommandLine.Success;
    }

    /// <summary>POST /api/ask with the benchmark's page, streamed, per preset: with the history kept (the default) and without.</summary>
    private static async Task MeasureApiAsync(WebApplication app, string[] presets, int asks, int maxNewTokens, VerbConsole console, string? jsonPath,
        CancellationToken cancellationToken)
    {
        var address = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());
        var page = BenchDocument().EncodePng();
        var figures = new List<AskApiLatency.Figures>();
        foreach (var preset in presets)
        {
            foreach (var keepHistory in new[] { true, false })
            {
                await console.Error.WriteLineAsync($"POST /api/ask: {preset}, history {(keepHistory ? "kept" : "not kept")} (two warm-up answers first)");
                figures.Add(await AskApiLatency.MeasureAsync(address, page, ModelCatalog.PresetPrefix + preset, keepHistory, asks, warmups: 2, maxNewTokens, cancellationToken));
            }
        }
        await console.Out.WriteLineAsync($"POST /api/ask, streamed, {page.Length / 1024} KiB PNG (synthetic hard page, 768×1024), greedy, {maxNewTokens} new tokens, medians");
        await console.Out.WriteLineAsync($"{"preset",-8} {"history",-8} {"answers",7} {"client TTFT ms",14} {"server TTFT ms",14} {"before model ms",15} {"client total ms",15} {"tokens",6}");
        foreach (var f in figures)
        {
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{f.Model[ModelCatalog.PresetPrefix.Length..],-8} {(f.KeepHistory ? "kept" : "not kept"),-8} {f.Answers,7} {f.MedianClientMsToFirstToken,14:0} {f.MedianServerMsToFirstToken,14:0} {f.MedianMsBeforeAnswering,15:0} {f.MedianClientMsTotal,15:0} {f.MedianTokens,6:0}"));
        }
        if (jsonPath is not null)
        {
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(figures, Json), cancellationToken);
        }
    }

    /// <summary>A dense one-page document like a scanned DocVQA page (768×1024, small print).</summary>
    private static SyntheticDocument BenchDocument() => new SyntheticDocVqaGenerator(SyntheticDifficulty.Hard, seed: 11).Generate(SyntheticSplit.Val, 0);

    /// <summary>Figures of a set of answers: medians over the answers.</summary>
    public sealed record AnswerFigures(string Preset, string Phase, int Answers, int ImageTokens, double MedianTokens, double MedianMsToFirstToken,
        double MedianDecodeTokensPerSecond, double MedianMsTotal);

    /// <summary>A training window: its steps and the tokens/s over them (tokens seen ÷ elapsed training time between its first and last step).</summary>
    public sealed record TrainingWindow(string Phase, long FromStep, long ToStep, double TokensPerSecond, double MedianStepTokensPerSecond);

    /// <param name="LoadAverage">the machine's 1-minute load average at the start and at the end (other processes skew every figure)</param>
    public sealed record BenchReport(string TrainPreset, string Document, IReadOnlyList<AnswerFigures> Answers, IReadOnlyList<TrainingWindow> Training,
        int LogicalCores, string LoadAverage)
    {
        public async Task PrintAsync(TextWriter output)
        {
            ArgumentNullException.ThrowIfNull(output);
            await output.WriteLineAsync($"machine: {LogicalCores} logical cores, load average {LoadAverage} (start → end)");
            await output.WriteLineAsync($"document: {Document}");
            await output.WriteLineAsync();
            await output.WriteLineAsync("playground answers (greedy, fp32, medians)");
            await output.WriteLineAsync($"{"preset",-8} {"phase",-16} {"answers",7} {"img tok",7} {"tokens",6} {"TTFT ms",9} {"decode tok/s",12} {"total ms",9}");
            foreach (var a in Answers)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{a.Preset,-8} {a.Phase,-16} {a.Answers,7} {a.ImageTokens,7} {a.MedianTokens,6:0} {a.MedianMsToFirstToken,9:0} {a.MedianDecodeTokensPerSecond,12:0.0} {a.MedianMsTotal,9:0}"));
            }
            await output.WriteLineAsync();
            await output.WriteLineAsync($"training run ({TrainPreset} preset, synthetic:easy)");
            await output.WriteLineAsync($"{"phase",-22} {"steps",11} {"tokens/s",9} {"median step tok/s",17} {"vs alone",8}");
            var alone = Training.Where(t => t.Phase.StartsWith("alone", StringComparison.Ordinal) && t.TokensPerSecond > 0).Select(t => t.TokensPerSecond).DefaultIfEmpty(0).Average();
            foreach (var t in Training)
            {
                var change = alone > 0 && t.TokensPerSecond > 0 ? string.Create(CultureInfo.InvariantCulture, $"{(t.TokensPerSecond / alone - 1) * 100:+0;-0}%") : "—";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Phase,-22} {t.FromStep,5}–{t.ToStep,-5} {t.TokensPerSecond,9:0} {t.MedianStepTokensPerSecond,17:0} {change,8}"));
            }
        }
    }

    /// <summary>One measurement session against a started server.</summary>
    private sealed class Session(IServiceProvider services, VerbConsole console, int maxNewTokens)
    {
        private const string Question = "What is the total amount?";

        private readonly IPlayground _playground = services.GetRequiredService<IPlayground>();
        private readonly IRunLauncher _launcher = services.GetRequiredService<IRunLauncher>();
        private readonly IRunUpdates _updates = services.GetRequiredService<IRunUpdates>();
        private readonly IRunQueries _runs = services.GetRequiredService<IRunQueries>();
        private readonly ConcurrentDictionary<long, MetricSample> _metrics = new();
        private readonly List<(string Preset, string Phase, PlaygroundAnswer Answer)> _answers = [];
        private readonly Dictionary<string, int> _imageTokens = new(StringComparer.Ordinal);

        public async Task<BenchReport> RunAsync(string[] presets, int asks, string trainPreset, TimeSpan window, int warmupSteps,
            CancellationToken cancellationToken)
        {
            var loadBefore = LoadAverage();
            var document = BenchDocument();
            var upload = await _playground.UploadAsync(document.EncodePng(), ModelCatalog.PresetPrefix + presets[0], cancellationToken);
            var description = $"synthetic hard {document.Kind.ToString().ToLowerInvariant()} page, {upload.Width}×{upload.Height} px";

            foreach (var preset in presets)
            {
                await Progress($"answers alone: {preset} (loading and two warm-up answers first)");
                await AskAsync(preset, upload.UploadId, 2, "warm-up", cancellationToken);
                await AskAsync(preset, upload.UploadId, asks, "alone (before)", cancellationToken);
            }

            var run = _launcher.Start(_launcher.DefaultsFor(trainPreset) with
            {
                Name = "bench-playground",
                Preset = trainPreset,
                Data = "synthetic:easy",
                Steps = 1_000_000,
                EvalInterval = 1_000_000,
                CheckpointInterval = 1_000_000,
            });
            using var subscription = _updates.Subscribe(run.Id, update =>
            {
                if (update is RunUpdate.Metrics metrics)
                {
                    foreach (var sample in metrics.Samples) _metrics[sample.Step] = sample;
                }
            });
            var training = new List<TrainingWindow>();
            try
            {
                await Progress($"training run {run.Id}: waiting for {warmupSteps} warm-up steps");
                await WaitForStepAsync(run.Id, warmupSteps, cancellationToken);

                await Progress($"training alone for {window.TotalSeconds:0} s");
                training.Add(await MeasureWindowAsync("alone (before)", () => Task.Delay(window, cancellationToken)));

                await Progress("training while the playground answers continuously");
                training.Add(await MeasureWindowAsync("while answering", async () =>
                {
                    var started = DateTime.UtcNow;
                    do
                    {
                        foreach (var preset in presets)
                        {
                            await AskAsync(preset, upload.UploadId, asks, "during training", cancellationToken);
                        }
                    }
                    while (DateTime.UtcNow - started < window);
                }));

                await Progress($"training alone again for {window.TotalSeconds:0} s");
                training.Add(await MeasureWindowAsync("alone (after)", () => Task.Delay(window, cancellationToken)));
            }
            finally
            {
                _launcher.Cancel(run.Id);
                await WaitForEndAsync(run.Id);
            }
            // Alone again once the run has ended: brackets the figures against drift in the machine's load.
            foreach (var preset in presets)
            {
                await Progress($"answers alone again: {preset}");
                await AskAsync(preset, upload.UploadId, asks, "alone (after)", cancellationToken);
            }
            return new BenchReport(trainPreset, description, AnswerTable(), training, Environment.ProcessorCount, $"{loadBefore} → {LoadAverage()}");
        }

        private async Task AskAsync(string preset, string uploadId, int count, string phase, CancellationToken cancellationToken)
        {
            var modelId = ModelCatalog.PresetPrefix + preset;
            var settings = new DecodingSettings { MaxNewTokens = maxNewTokens, Greedy = true };
            for (var i = 0; i < count; i++)
            {
                var answer = await _playground.AskAsync(uploadId, Question, modelId, settings, null, _ => { }, cancellationToken);
                _answers.Add((preset, phase, answer));
            }
            _imageTokens[preset] = (await _playground.PreviewAsync(uploadId, modelId, cancellationToken)).ImageTokens;
        }

        /// <summary>Medians per preset and phase (warm-up answers left out).</summary>
        private List<AnswerFigures> AnswerTable() =>
            [.. _answers.Where(a => a.Phase != "warm-up").GroupBy(a => (a.Preset, a.Phase))
                .OrderBy(group => _answers.FindIndex(a => a.Preset == group.Key.Preset)) // by preset, phases in the order they ran
                .Select(group =>
            {
                var results = group.Select(a => a.Answer).ToList();
                // Decode speed: the tokens after the first over the time after the first (the first token carries the prefill).
                var decode = results.Where(r => r.Tokens >= 2 && r.MsTotal > r.MsToFirstToken)
                    .Select(r => (r.Tokens - 1) / ((r.MsTotal - r.MsToFirstToken) / 1000)).ToList();
                return new AnswerFigures(group.Key.Preset, group.Key.Phase, results.Count, _imageTokens[group.Key.Preset],
                    Measure.Median([.. results.Select(r => (double)r.Tokens)]), Measure.Median([.. results.Select(r => r.MsToFirstToken)]),
                    decode.Count == 0 ? double.NaN : Measure.Median(decode), Measure.Median([.. results.Select(r => r.MsTotal)]));
            })];

        /// <summary>Runs <paramref name="during"/> and measures the training steps completed meanwhile.</summary>
        private async Task<TrainingWindow> MeasureWindowAsync(string phase, Func<Task> during)
        {
            var from = LastStep();
            await during();
            // Metrics reach subscribers in batches: wait for the step that was running when the window closed.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var to = LastStep();
            if (to - from < 2 || !_metrics.TryGetValue(from, out var first) || !_metrics.TryGetValue(to, out var last))
            {
                return new TrainingWindow(phase, from, to, double.NaN, double.NaN);
            }
            var steps = Enumerable.Range((int)from + 1, (int)(to - from)).Select(s => _metrics.TryGetValue(s, out var m) ? m.TokensPerSecond : double.NaN)
                .Where(double.IsFinite).ToList();
            return new TrainingWindow(phase, from, to, (last.TokensSeen - first.TokensSeen) / (last.ElapsedSeconds - first.ElapsedSeconds),
                steps.Count == 0 ? double.NaN : Measure.Median(steps));
        }

        private long LastStep() => _metrics.IsEmpty ? 0 : _metrics.Keys.Max();

        private async Task WaitForStepAsync(string runId, int step, CancellationToken cancellationToken)
        {
            while (LastStep() < step)
            {
                if (_runs.GetRun(runId) is { IsActive: false } ended)
                {
                    throw new InvalidOperationException($"The training run ended ({ended.Status}: {ended.Error}) before step {step}.");
                }
                await Task.Delay(250, cancellationToken);
            }
        }

        private async Task WaitForEndAsync(string runId)
        {
            for (var i = 0; i < 600 && _runs.GetRun(runId) is { IsActive: true }; i++)
            {
                await Task.Delay(100);
            }
        }

        /// <summary>The 1-minute load average where the system tells it (Linux), else "?".</summary>
        private static string LoadAverage()
        {
            try
            {
                return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
            }
            catch (IOException)
            {
                return "?";
            }
        }

        private Task Progress(string message) => console.Error.WriteLineAsync(message);
    }
}
