using System.Globalization;
using System.Text.Json;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Benchmarks;

/// <summary>
/// <c>bench --generation PRESETS</c>: the generation section alone, for any model presets (the nanoVLM sizes too, with
/// random weights): time to first token, decode tokens/s with the KV cache, and recomputation, with the load average
/// before and after each row.
/// </summary>
internal static class GenerationBench
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string presets, VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var output = console.Out;
        BenchTable.Machine(output, MachineFigures.Detect());
        var newTokens = arguments.GetInt("new-tokens", 2, 1024) ?? BenchTargets.KvCacheTargetTokens;
        var repeats = arguments.GetInt("repeats", 1, 1000) ?? 3;
        BenchTable.GenerationHeader(output);
        var rows = new List<GenerationFigures>();
        foreach (var preset in presets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ModelPresets.Names.Contains(preset, StringComparer.OrdinalIgnoreCase))
                throw new UsageException($"--generation takes model presets ({string.Join(", ", ModelPresets.Names)}); '{preset}' is not one.");
            cancellationToken.ThrowIfCancellationRequested();
            var loadBefore = MachineFigures.LoadAverage().OneMinute;
            var figures = GenerationBenchmark.Run(preset, ModelPresets.Get(preset, VlmLoader.BuiltInBaseVocabSize), newTokens, repeats);
            rows.Add(figures);
            output.Write(BenchTable.GenerationRow(figures));
            output.WriteLine(string.Create(Invariant, $"  load {loadBefore:0.0}→{MachineFigures.LoadAverage().OneMinute:0.0}"));
        }
        if (arguments.GetString("json") is { } jsonPath)
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(rows, Json), cancellationToken);
        return rows.All(r => r.IdenticalTokens) ? CommandLine.Success : CommandLine.Failure;
    }
}
