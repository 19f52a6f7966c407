using System.Diagnostics;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Server.Benchmarks;

namespace NanoVlm.Server.Cli;

/// <summary>
/// `bench`: measures what users care about on this machine, each figure a median of repeated runs after warm-up,
/// prints a table section by section and optionally writes the figures as JSON (docs/benchmarks.md). The sections:
/// the machine, peak memory of a training run against the estimate (first, while the process is still small), the
/// matrix-multiply peak, training speed and MFU, generation, the data path, and the dashboard path.
/// </summary>
public sealed class BenchVerb : IVerb
{
    public string Name => "bench";

    public string Summary => "measure training, generation, data and dashboard speeds and peak training memory on this machine, and print a table";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("quick", null, "fewer repeats and steps, one precision for the memory run: every figure in under 2 minutes"),
        new("json", "FILE", "also write the figures as JSON (fields in docs/benchmarks.md)"),
        new("new-tokens", "N", "tokens to generate per inference measurement (default 64)"),
        new("threads", "N", "intra-op threads (default: all cores)"),
        new("batch-size", "B", "micro-batch of the training and memory runs (default: the presets')"),
        new("repeats", "N", "timed repeats of every measurement (default: 3-9, by section and --quick)"),
        new("finetune", "PRESETS", "only the fine-tuning section: steps, tokens/s and peak memory against the estimate of these training presets (comma-separated, e.g. nanoVLM-222M,nanoVLM-460M), each configuration in its own process"),
        new("finetune-batch-sizes", "B,B", "micro-batches of the fine-tuning section (default 1,2)"),
        new("finetune-precisions", "P,P", "precisions of the fine-tuning section: fp32, bf16 (default both)"),
        new("finetune-steps", "N", "steps per fine-tuning configuration, the first untimed (default 3)"),
        new("max-length", "L", "max_length of the fine-tuning section (default: the preset's; nanoVLM-460M 256)"),
        new("max-img-size", "PX", "max_img_size of the fine-tuning section (default: the preset's; nanoVLM-460M 512, one view a page)"),
        new("profile", null, "only the profile section: where one training step's time goes (vision tower, projector, decoder attention and MLP, LM head and loss, backward, optimizer, data, guard), fp32 and bf16"),
        new("generation", "PRESETS", "only the generation section, for these model presets (comma-separated, e.g. tiny,small,nanoVLM-222M,nanoVLM-460M; random weights)"),
        new("profile-presets", "PRESETS", "model presets of the profile section (comma-separated, default small)"),
        new("pin", "PRESETS", "only the pinning section: the guarded step of these presets (e.g. fp16-overflow,small) in fp32, fp16, fp16 with one MLP down projection pinned to fp32, bf16 where fast, and fp32 without the flight recorder"),
        new("finetune-one", "SPEC", "one fine-tuning configuration in this process (what --finetune starts): PRESET,PRECISION,BATCH,STEPS,MAXLEN,MAXIMG"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var threads = EngineThreads.Apply(arguments.GetInt("threads", 0, 1024) ?? 0);
        if (arguments.GetString("finetune-one") is { } one) return await FineTuneBench.RunOneAsync(one, console, threads);
        if (arguments.GetString("generation") is { } generationPresets) return await GenerationBench.RunAsync(generationPresets, arguments, console, cancellationToken);
        if (arguments.Has("profile")) return await ProfileBench.RunAsync(arguments.GetString("profile-presets") ?? ModelPresets.SmallName, arguments, console, threads, cancellationToken);
        if (arguments.GetString("finetune") is { } presets) return await FineTuneBench.RunAsync(presets, arguments, console, threads, cancellationToken);
        if (arguments.GetString("pin") is { } pinPresets) return await PinCostBench.RunAsync(pinPresets, arguments, console, threads);
        var machine = MachineFigures.Detect();
        var autoPrecision = new PrecisionPolicy(DeviceCapabilities.Detect(EngineDevice.Resolve("cpu"))).Resolve(PrecisionMode.Auto, ModelPresets.Small());
        var plan = BenchPlan.For(
            arguments.Has("quick"), threads,
            newTokens: arguments.GetInt("new-tokens", 2, 1024) ?? BenchTargets.KvCacheTargetTokens,
            repeats: arguments.GetInt("repeats", 1, 1000),
            batchSize: arguments.GetInt("batch-size", 1, 1024),
            autoPrecision);
        var output = console.Out;
        BenchTable.Machine(output, machine);

        // The engine's sections run synchronously on this thread: thread count, autocast and dispose scopes are per thread.
        var memory = plan.MemoryPrecisions
            .Select(precision => MemoryBenchmark.Run(plan.MemoryPreset, precision, plan.MemorySteps, plan.MemoryBatchSize, threads))
            .ToArray();
        BenchTable.Memory(output, memory);
        cancellationToken.ThrowIfCancellationRequested();

        var peak = MatmulPeak.Run(MatmulPeak.DefaultSize, plan.MatmulRepeats);
        BenchTable.Matmul(output, peak, plan.MatmulRepeats);

        BenchTable.TrainingHeader(output);
        var training = new List<TrainingFigures>();
        foreach (var preset in plan.TrainingPresets)
        {
            foreach (var precision in Precisions())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var figures = TrainingBenchmark.Run(preset, precision, plan.TrainingWorkFor(preset), MatmulPeak.DefaultSize, threads);
                training.Add(figures);
                BenchTable.Training(output, figures);
            }
        }

        BenchTable.GenerationHeader(output);
        var generation = new List<GenerationFigures>();
        foreach (var preset in plan.GenerationPresets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var figures = GenerationBenchmark.Run(preset, ModelPresets.Get(preset, NanoVlm.Engine.Inference.VlmLoader.BuiltInBaseVocabSize), plan.NewTokens, plan.GenerationRepeats);
            generation.Add(figures);
            BenchTable.Generation(output, figures);
        }

        var data = DataBenchmark.Run(plan.Data);
        BenchTable.Data(output, data);

        var dashboard = new DashboardFigures(
            plan.IngestMetrics,
            await MetricIngestBenchmark.MedianMetricsPerSecondAsync(plan.IngestMetrics, plan.IngestRepeats, cancellationToken),
            ChartRenderBenchmark.Points,
            ChartRenderBenchmark.MedianMilliseconds(plan.ChartRepeats));
        BenchTable.Dashboard(output, dashboard);

        var targets = BenchTargets.Check(machine, [.. training], [.. generation], memory);
        var loadAtEnd = MachineFigures.LoadAverage().OneMinute;
        BenchTable.Targets(output, targets, clock.Elapsed.TotalSeconds, loadAtEnd);

        if (arguments.GetString("json") is { } jsonPath)
        {
            var report = new BenchReport(
                Command: CommandText(arguments), plan.Quick, DateTime.UtcNow, clock.Elapsed.TotalSeconds,
                machine, loadAtEnd, memory, peak, [.. training], [.. generation], data, dashboard, targets);
            await File.WriteAllTextAsync(jsonPath, report.ToJson(), cancellationToken);
        }
        // Figures are reported, not judged; only a broken measurement fails the verb.
        return generation.All(g => g.IdenticalTokens) ? CommandLine.Success : CommandLine.Failure;
    }

    /// <summary>The command line that produced a report, for the record.</summary>
    private static string CommandText(VerbArguments arguments)
    {
        var words = new List<string> { "bench" };
        if (arguments.Has("quick")) words.Add("--quick");
        foreach (var option in new[] { "new-tokens", "threads", "batch-size", "repeats" })
        {
            if (arguments.GetString(option) is { } value) words.Add($"--{option} {value}");
        }
        return string.Join(' ', words);
    }

    /// <summary>fp32 always; bf16 where libtorch's autocast is reachable (it is emulated, and slow, without avx512_bf16).</summary>
    private static ComputePrecision[] Precisions() =>
        LibTorchAutocast.TryGet(out _) is null ? [ComputePrecision.Fp32] : [ComputePrecision.Fp32, ComputePrecision.Bf16];
}
