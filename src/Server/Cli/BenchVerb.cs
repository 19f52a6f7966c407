using System.Globalization;
using System.Text.Json;
using NanoVlm.Client.Charts;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Server.Cli;

/// <summary>
/// `bench`: measures what users care about on this machine, as medians after warm-up, and prints a table
/// (optionally JSON). Sections so far: the machine, and generation (KV cache against recomputation).
/// </summary>
public sealed class BenchVerb : IVerb
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Name => "bench";

    public string Summary => "measure generation speed (KV cache vs recomputation) and chart rendering on this machine and print a table";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("quick", null, "fewer repeats and only the tiny preset"),
        new("json", "FILE", "also write the figures as JSON"),
        new("new-tokens", "N", "tokens to generate per measurement (default 64)"),
        new("threads", "N", "intra-op threads (default: all cores)"),
    ];

    private static double ChartRenderBenchmark(int repeats)
    {
        var steps = Enumerable.Range(1, 100_000).Select(i => (double)i).ToArray();
        var losses = steps.Select(step => 2 + 8 / Math.Sqrt(step) + 0.05 * Math.Sin(step)).ToArray();
        var model = new ChartModel("Train loss", "step", "loss",
        [
            new ChartSeries("raw", steps, losses, "#9fa8da"),
            new ChartSeries("smoothed", steps, Smoothing.DebiasedEma(losses, 0.6), "#3949ab"),
        ]);
        return Measure.MedianMilliseconds(() => ChartRenderer.RenderSvg(model, 620, 280), warmups: 2, repeats: repeats);
    }

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var quick = arguments.Has("quick");
        var newTokens = arguments.GetInt("new-tokens", 2, 1024) ?? 64;
        EngineThreads.Apply(arguments.GetInt("threads", 0, 1024) ?? 0);
        var info = TorchRuntimeInfo.Detect(EngineDevice.Resolve("cpu"));
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"machine: {info.LogicalCores} logical cores, {info.Threads} threads, CPU flags {info.Cpu.Summary}, TorchSharp {info.TorchSharpVersion}, libtorch {info.LibTorchVersion}"));

        var presets = quick ? new[] { ModelPresets.TinyName } : [ModelPresets.TinyName, ModelPresets.SmallName];
        var results = new List<GenerationFigures>();
        await console.Out.WriteLineAsync();
        await console.Out.WriteLineAsync("generation (fp32, greedy, batch 1, one image)");
        await console.Out.WriteLineAsync($"{"preset",-8} {"prompt",6} {"new",4} {"TTFT ms",8} {"decode tok/s",12} {"KV ms",8} {"recompute ms",12} {"speedup",8} {"same ids",8}");
        foreach (var preset in presets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var config = ModelPresets.Get(preset, VlmLoader.BuiltInBaseVocabSize);
            var figures = GenerationBenchmark.Run(preset, config, newTokens, repeats: quick ? 3 : 5);
            results.Add(figures);
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{figures.Preset,-8} {figures.PromptTokens,6} {figures.NewTokens,4} {figures.MsToFirstToken,8:0.0} {figures.DecodeTokensPerSecond,12:0.0} {figures.KvCacheMilliseconds,8:0.0} {figures.RecomputeMilliseconds,12:0.0} {figures.Speedup,7:0.0}x {(figures.IdenticalTokens ? "yes" : "NO"),8}"));
        }

        // The dashboard path: server time to render a long loss curve (what a run page does twice a second).
        var chartMs = ChartRenderBenchmark(quick ? 5 : 11);
        await console.Out.WriteLineAsync();
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"dashboard: render a 100,000-point loss chart to SVG: {chartMs:0.0} ms (median)"));

        var jsonPath = arguments.GetString("json");
        if (jsonPath is not null)
        {
            var report = new
            {
                Machine = new { info.LogicalCores, info.Threads, CpuFlags = info.Cpu.Summary, TorchSharp = info.TorchSharpVersion, LibTorch = info.LibTorchVersion },
                Dashboard = new { Chart100kRenderMs = chartMs },
                Generation = results.Select(r => new
                {
                    r.Preset, r.PromptTokens, r.NewTokens, TtftMs = r.MsToFirstToken, r.DecodeTokensPerSecond,
                    KvCacheMs = r.KvCacheMilliseconds, RecomputeMs = r.RecomputeMilliseconds, r.Speedup, r.IdenticalTokens,
                }),
            };
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, Json), cancellationToken);
        }
        return results.All(r => r.IdenticalTokens) ? CommandLine.Success : CommandLine.Failure;
    }
}
