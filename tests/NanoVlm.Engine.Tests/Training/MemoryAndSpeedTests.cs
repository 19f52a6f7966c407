using System.Diagnostics;
using System.Globalization;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;

/// <summary>Measurements that need the process to themselves: peak memory against the estimate, and printed speeds.</summary>
[Collection(nameof(MeasuredAlone))]
public sealed class MemoryAndSpeedTests(ITestOutputHelper output)
{
    [Fact]
    public void Estimate_adds_up_and_scales_with_batch_and_precision()
    {
        var config = TrainingPresets.Tiny();
        var fp32 = MemoryEstimate.For(config, ComputePrecision.Fp32);
        Assert.Equal(fp32.ParameterCount * 4, fp32.ParameterBytes);
        Assert.Equal(fp32.TrainableCount * 8, fp32.OptimizerBytes);
        Assert.Equal(fp32.ParameterBytes + fp32.GradientBytes + fp32.OptimizerBytes + fp32.ActivationBytes + fp32.WorkspaceBytes, fp32.TotalBytes);
        var doubled = MemoryEstimate.For(config with { BatchSize = 2 * config.BatchSize }, ComputePrecision.Fp32);
        Assert.Equal(2 * fp32.ActivationBytes, doubled.ActivationBytes);
        Assert.True(MemoryEstimate.For(config, ComputePrecision.Bf16).ActivationBytes < fp32.ActivationBytes);
        var frozen = MemoryEstimate.For(config with { LrVision = 0, LrLanguage = 0 }, ComputePrecision.Fp32);
        Assert.True(frozen.OptimizerBytes < fp32.OptimizerBytes / 10);
        Assert.Contains("total", fp32.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Prints_the_estimate_against_the_measured_peak_of_a_tiny_run()
    {
        var config = TrainingPresets.Tiny() with { Precision = PrecisionMode.Fp32, MaxSteps = 3, EvalInterval = 0, HeadroomInterval = 0, Threads = 2, BatchSize = 8, MaxLength = 64 };
        var estimate = MemoryEstimate.For(config, ComputePrecision.Fp32);
        GC.Collect();
        _ = MallocTrim(0); // give memory freed by earlier tests back, or new tensors reuse it unseen
        var before = ResidentBytes();
        ResetPeak();
        using (var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel(), length: 64), new TrainerOptions(), new TrainingFixtures.Recorder()))
            trainer.Run();
        var peak = PeakResidentBytes();
        var measured = peak - before;
        output.WriteLine(estimate.Describe());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"measured peak RSS growth {measured / 1048576.0:0.0} MiB; estimate/measured = {(double)estimate.TotalBytes / measured:0.00}"));
        // Printed, not asserted: in a shared test process the RSS growth also counts libtorch code pages touched for the
        // first time and allocator caches, so it is only indicative (the ±25% target needs a run in its own process).
        Assert.True(measured > 0);
    }

    [Fact]
    public void Prints_tokens_per_second_for_tiny_in_fp32_and_bf16_and_the_cost_of_the_guard()
    {
        var runs = new (string Name, TrainingConfig Config)[]
        {
            ("tiny fp32", TrainingPresets.Tiny() with { Precision = PrecisionMode.Fp32 }),
            ("tiny bf16", TrainingPresets.Tiny() with { Precision = PrecisionMode.Bf16 }),
            ("tiny fp32, headroom every step", TrainingPresets.Tiny() with { Precision = PrecisionMode.Fp32, HeadroomInterval = 1 }),
        };
        foreach (var (name, preset) in runs)
        {
            var config = preset with { MaxSteps = 8, EvalInterval = 0, Threads = 2, HeadroomInterval = preset.HeadroomInterval == 1 ? 1 : 0 };
            var events = new TrainingFixtures.Recorder();
            using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel(), length: config.MaxLength), new TrainerOptions(), events);
            var clock = Stopwatch.StartNew();
            trainer.Run();
            var metrics = events.Of<MetricsEvent>().Skip(2).ToArray(); // the first steps warm up
            var stepSeconds = metrics.Zip(metrics.Skip(1), (a, b) => b.ElapsedSeconds - a.ElapsedSeconds).Average();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {1 / stepSeconds:0.00} steps/s, {metrics.Average(m => m.TokensPerSecond):0} tokens/s (batch {config.BatchSize} × {config.MaxLength})"));
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static long ResidentBytes() => StatusField("VmRSS:");

    private static long PeakResidentBytes() => StatusField("VmHWM:");

    private static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static long StatusField(string name)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(name, StringComparison.Ordinal));
        return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
