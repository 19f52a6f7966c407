using System.Globalization;
using NanoVlm.Engine.Benchmarks;

namespace NanoVlm.Server.Benchmarks;

/// <summary>Prints each section of <c>bench</c> as a small fixed-width table, as soon as it is measured.</summary>
internal static class BenchTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Machine(TextWriter output, MachineFigures m) => output.WriteLine(string.Create(Invariant,
        $"machine: {m.CpuModel}, {m.LogicalCores} logical cores, {m.Threads} threads, flags {m.CpuFlags}, {m.MemoryGib:0.0} GiB, TorchSharp {m.TorchsharpVersion}, libtorch {m.LibtorchVersion}, load average {m.LoadAverageOneMinute:0.0} (1 min) {m.LoadAverageFiveMinutes:0.0} (5 min)"));

    public static void Memory(TextWriter output, IEnumerable<MemoryFigures> rows)
    {
        output.WriteLine();
        output.WriteLine("peak memory of a training run against the estimate (batches padded to max_length)");
        output.WriteLine($"{"preset",-7} {"prec",-5} {"batch",5} {"len",4} {"steps",5} {"baseline MiB",12} {"peak MiB",9} {"measured MiB",12} {"estimate MiB",12} {"meas/est",8}");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(Invariant,
                $"{r.Preset,-7} {r.Precision,-5} {r.BatchSize,5} {r.SequenceLength,4} {r.Steps,5} {r.BaselineMib,12:0} {r.PeakMib,9:0} {r.MeasuredMib,12:0} {r.EstimatedMib,12:0} {r.MeasuredOverEstimated,8:0.00}"));
        }
    }

    public static void Matmul(TextWriter output, MatmulPeakFigures p, int repeats)
    {
        output.WriteLine();
        output.WriteLine(string.Create(Invariant,
            $"matmul peak ({p.Size}x{p.Size} by {p.Size}x{p.Size}, median of {repeats}): fp32 {p.Fp32Gflops:0.0} GFLOP/s, bf16 {p.Bf16Gflops:0.0} GFLOP/s ({p.Bf16OverFp32:0.00}x fp32)"));
    }

    public static void TrainingHeader(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("training (real synthetic:easy batches; step = the trainer's step with the NaN guard's every-step check)");
        output.WriteLine($"{"preset",-7} {"prec",-5} {"batch",5} {"tok/step",8} {"img/step",8} {"step ms",8} {"tokens/s",9} {"images/s",8} {"GFLOP/step",10} {"MFU",6} {"MFU fp32",8} {"no-guard ms",11} {"guard %",7} {"probe %",7}");
    }

    public static void Training(TextWriter output, TrainingFigures r) => output.WriteLine(string.Create(Invariant,
        $"{r.Preset,-7} {r.Precision,-5} {r.BatchSize,5} {r.TokensPerStep,8:0} {r.ImagesPerStep,8:0} {r.StepMs,8:0} {r.TokensPerSecond,9:0} {r.ImagesPerSecond,8:0.0} {r.ModelGflopsPerStep,10:0.0} {r.Mfu,6:0.000} {r.MfuOfFp32Peak,8:0.000} {r.UnguardedStepMs,11:0} {r.GuardCostPercent,7:0.0} {r.HeadroomProbeCostPercent,7:0.0}"));

    public static void GenerationHeader(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("generation (fp32, greedy, batch 1, one image)");
        output.WriteLine($"{"preset",-7} {"prompt",6} {"new",4} {"TTFT ms",8} {"decode tok/s",12} {"KV ms",8} {"recompute ms",12} {"speedup",8} {"same ids",8}");
    }

    public static void Generation(TextWriter output, GenerationFigures g) => output.WriteLine(GenerationRow(g));

    public static string GenerationRow(GenerationFigures g) => string.Create(Invariant,
        $"{g.Preset,-7} {g.PromptTokens,6} {g.NewTokens,4} {g.MsToFirstToken,8:0.0} {g.DecodeTokensPerSecond,12:0.0} {g.KvCacheMilliseconds,8:0.0} {g.RecomputeMilliseconds,12:0.0} {g.Speedup,7:0.0}x {(g.IdenticalTokens ? "yes" : "NO"),8}");

    public static void Data(TextWriter output, DataFigures d)
    {
        output.WriteLine();
        output.WriteLine("data (one thread)");
        foreach (var s in d.Synthetic)
        {
            output.WriteLine(string.Create(Invariant, $"synthetic {s.Difficulty,-6} (pages up to {s.PageWidth}x{s.PageHeight}): {s.SamplesPerSecond,8:0.0} samples/s"));
        }
        var p = d.Preprocessing;
        output.WriteLine(string.Create(Invariant,
            $"image preprocessing: a {p.PageWidth}x{p.PageHeight} PNG page decoded and cut into {p.Views} views of {p.TileSize} px ({p.Model}): {p.ImagesPerSecond:0.00} images/s"));
        var r = d.DocvqaReader;
        output.WriteLine(string.Create(Invariant, $"DocVQA reader ({r.Format}, {r.Rows} rows, page bytes read): {r.RowsPerSecond:0} rows/s"));
    }

    public static void Dashboard(TextWriter output, DashboardFigures d)
    {
        output.WriteLine();
        output.WriteLine(string.Create(Invariant,
            $"dashboard: {d.MetricsPerSecond:0} metrics/s into LiteDB ({d.Metrics:N0} through the MetricWriter); a {d.ChartPoints:N0}-point loss chart to SVG in {d.ChartRenderMs:0.0} ms"));
    }

    public static void Targets(TextWriter output, IEnumerable<TargetCheck> checks, double seconds, double loadAtEnd)
    {
        output.WriteLine();
        output.WriteLine($"{"target",-31} {"value",8} {"goal",-30} {"met",-4}");
        foreach (var c in checks)
        {
            var met = c.Met switch { true => "yes", false => "no", null => "n/a" };
            output.WriteLine(string.Create(Invariant, $"{c.Name,-31} {c.Value,8:0.00} {c.Target,-30} {met,-4} {c.Note}"));
        }
        output.WriteLine();
        output.WriteLine(string.Create(Invariant, $"done in {seconds:0} s; load average at the end {loadAtEnd:0.0} (1 min)"));
    }
}
