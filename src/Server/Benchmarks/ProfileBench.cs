using System.Globalization;
using System.Text.Json;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Runtime;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Benchmarks;

/// <summary>
/// <c>bench --profile [PRESETS]</c>: where one training step's time goes (see <see cref="StepProfile"/>), for each preset
/// (default <c>small</c>) in fp32 and bf16, one table per configuration, with the trainer's whole step, the matmul peaks
/// and the load average beside it.
/// </summary>
internal static class ProfileBench
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string presets, VerbArguments arguments, VerbConsole console, int threads, CancellationToken cancellationToken)
    {
        var output = console.Out;
        BenchTable.Machine(output, MachineFigures.Detect());
        var repeats = arguments.GetInt("repeats", 1, 1000) ?? 5;
        var batchSize = arguments.GetInt("batch-size", 1, 1024);
        var precisions = LibTorchAutocast.TryGet(out _) is null ? [ComputePrecision.Fp32] : new[] { ComputePrecision.Fp32, ComputePrecision.Bf16 };
        var rows = new List<StepProfileFigures>();
        foreach (var preset in presets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ModelPresets.Names.Contains(preset, StringComparer.OrdinalIgnoreCase))
                throw new UsageException($"--profile takes model presets ({string.Join(", ", ModelPresets.Names)}); '{preset}' is not one.");
            foreach (var precision in precisions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var figures = StepProfile.Run(preset, precision, batchSize, warmups: 1, repeats, MatmulPeak.DefaultSize, threads);
                rows.Add(figures);
                Print(output, figures, repeats);
            }
        }
        if (arguments.GetString("json") is { } jsonPath)
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(rows, Json), cancellationToken);
        return CommandLine.Success;
    }

    private static void Print(TextWriter output, StepProfileFigures f, int repeats)
    {
        output.WriteLine();
        output.WriteLine(string.Create(Invariant,
            $"profile of one {f.Preset} step, {f.Precision}, batch {f.BatchSize} ({f.TokensPerStep:0} tokens, {f.LabelledPerStep:0} labelled, {f.ImagesPerStep:0} images; medians of {repeats}; load average {f.LoadAverageBefore:0.0}→{f.LoadAverageAfter:0.0})"));
        output.WriteLine($"{"part",-50} {"ms",9} {"% of step",9}");
        foreach (var p in f.Parts)
        {
            var share = p.Name == StepProfile.DataPart ? "(outside)" : string.Create(Invariant, $"{100 * p.Share:0.0}");
            output.WriteLine(string.Create(Invariant, $"{p.Name,-50} {p.Milliseconds,9:0.0} {share,9}"));
        }
        output.WriteLine(string.Create(Invariant, $"{"sum of the step's parts",-50} {f.StepPartsMs,9:0.0}"));
        output.WriteLine(string.Create(Invariant, $"{"the trainer's step (OptimizerStep.Run), alternated",-50} {f.TrainerStepMs,9:0.0}"));
        output.WriteLine(string.Create(Invariant,
            $"model {f.ModelGflopsPerStep:0.0} GFLOP/step; matmul peak fp32 {f.PeakFp32Gflops:0.0}, bf16 {f.PeakBf16Gflops:0.0} GFLOP/s (bf16/fp32 {f.PeakBf16Gflops / f.PeakFp32Gflops:0.00}); MFU of the trainer's step against the {f.Precision} peak {f.Mfu:0.000}"));
    }
}
