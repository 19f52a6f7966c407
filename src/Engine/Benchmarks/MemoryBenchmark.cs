using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Sources;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>Peak memory of a short training run against <see cref="MemoryEstimate"/>.</summary>
/// <param name="SequenceLength">every batch is padded to max_length, the worst case the estimate describes</param>
/// <param name="BaselineMib">resident set before the trainer was built (libraries, data source, earlier work)</param>
/// <param name="PeakMib">the resident set's high-water mark during the run</param>
/// <param name="MeasuredMib">peak minus baseline: what the run itself needed</param>
/// <param name="PeakSource">"vmhwm" (the kernel's high-water mark, reset before the run) or "sampled" (every 5 ms)</param>
public sealed record MemoryFigures(
    string Preset,
    string Precision,
    int BatchSize,
    int SequenceLength,
    int Steps,
    double BaselineMib,
    double PeakMib,
    double MeasuredMib,
    double EstimatedMib,
    string PeakSource)
{
    /// <summary>Measured over estimated (1 = exact; the target is 0.75–1.25).</summary>
    public double MeasuredOverEstimated => MeasuredMib / EstimatedMib;
}

/// <summary>
/// Runs a few steps of a training preset with the real <see cref="Trainer"/> on <c>synthetic:easy</c> batches padded
/// to max_length, and reads the process's peak resident memory. Run it before other work in the process where
/// possible: freed memory is returned to the system first, but libraries' code pages touched for the first time
/// still count as growth.
/// </summary>
public static class MemoryBenchmark
{
    private const double Mib = 1024.0 * 1024.0;

    public static MemoryFigures Run(string preset, ComputePrecision precision, int steps, int? batchSize, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2); // the second step is the first with optimizer state and activations at once
        if (!ProcessMemory.Available)
            throw new PlatformNotSupportedException("Measuring peak memory needs Linux's /proc/self/status.");
        var presetConfig = TrainingPresets.Get(preset, VlmLoader.BuiltInBaseVocabSize);
        var config = presetConfig with
        {
            Precision = precision == ComputePrecision.Bf16 ? PrecisionMode.Bf16 : PrecisionMode.Fp32,
            BatchSize = batchSize ?? presetConfig.BatchSize,
            MaxSteps = steps,
            EvalInterval = 0,
            Threads = threads,
            Seed = 1,
        };
        var data = PaddedToMaxLength(config);

        ProcessMemory.ReleaseFreedMemory();
        var baseline = ProcessMemory.ResidentBytes();
        var reset = ProcessMemory.TryResetPeak();
        long peak;
        using (var sampler = new PeakMemorySampler())
        {
            using (var trainer = new Trainer(config, data, new TrainerOptions(), new TrainingEventHub()))
            {
                var outcome = trainer.Run();
                if (outcome.State != TrainingState.Completed)
                    throw new InvalidOperationException($"The memory benchmark's {preset} run ended {outcome.State}: {outcome.Reason}");
            }
            peak = reset ? ProcessMemory.PeakResidentBytes() : sampler.PeakBytes;
        }
        var estimate = MemoryEstimate.For(config, precision);
        return new MemoryFigures(preset, precision.Label(), config.BatchSize, config.MaxLength, steps,
            baseline / Mib, peak / Mib, (peak - baseline) / Mib, estimate.TotalBytes / Mib, reset ? "vmhwm" : "sampled");
    }

    /// <summary>The preset's synthetic:easy stream with every batch padded to max_length (no validation needed).</summary>
    internal static SyntheticTrainingData PaddedToMaxLength(TrainingConfig config)
    {
        var collator = TrainingBatchCollator.ForModel(config.ResolveModel(), BuiltInTokenizers.NanoVlmGpt2(),
            new CollatorOptions(config.MaxLength, PaddingLength.MaxLength));
        var difficulty = SyntheticNames.ParseDifficulty(config.Data[TrainingDataFactory.SyntheticPrefix.Length..]);
        return new SyntheticTrainingData(difficulty, config.Seed, collator, validationDocuments: 1);
    }
}
