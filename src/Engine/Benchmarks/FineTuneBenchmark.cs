using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>One configuration of the fine-tuning measurement.</summary>
/// <param name="Preset">a training preset (nanoVLM-222M, nanoVLM-460M, or any other)</param>
/// <param name="Steps">optimizer steps; the first (which allocates the gradients and AdamW moments) is not timed</param>
/// <param name="MaxLength">overrides the preset's max_length (every row is padded to it)</param>
/// <param name="MaxImageSize">overrides the model's max_img_size (how many tiles a page is cut into)</param>
public sealed record FineTuneWork(string Preset, ComputePrecision Precision, int BatchSize, int Steps, int? MaxLength, int? MaxImageSize, int Threads);

/// <summary>What one fine-tuning configuration measured.</summary>
/// <param name="ViewsPerSample">image views (tiles and global views) per sample in the batches</param>
/// <param name="TokensPerStep">non-padding tokens per step (image placeholders included), as the trainer counts them</param>
/// <param name="SecondsPerStep">median over the timed steps</param>
/// <param name="StepSeconds">every step's time, the untimed first one included</param>
/// <param name="BaselineMib">resident set before the trainer was built</param>
/// <param name="MeasuredMib">the resident set's high-water mark during the run minus the baseline</param>
/// <param name="EstimatedMib"><see cref="MemoryEstimate"/> for this configuration, at the views the batches had</param>
public sealed record FineTuneFigures(
    string Preset,
    string Precision,
    int BatchSize,
    int MaxLength,
    int MaxImageSize,
    long Parameters,
    double ViewsPerSample,
    int Steps,
    double TokensPerStep,
    double SecondsPerStep,
    double TokensPerSecond,
    IReadOnlyList<double> StepSeconds,
    double BaselineMib,
    double PeakMib,
    double MeasuredMib,
    double EstimatedMib,
    string PeakSource,
    int Threads)
{
    /// <summary>Measured over estimated (1 = exact; the target is 0.75–1.25).</summary>
    public double MeasuredOverEstimated => MeasuredMib / EstimatedMib;
}

/// <summary>
/// Fine-tuning speed and memory of a preset at nanoVLM's real sizes: a few steps of the real <see cref="Trainer"/>
/// (every part trained, NaN guard on, no evaluation, checkpoints or headroom probes) on <c>synthetic:easy</c> pages
/// padded to max_length, timed per step, with the process's peak resident memory against the estimate. Run one
/// configuration per process: memory freed by an earlier one would be reused unseen.
/// </summary>
public static class FineTuneBenchmark
{
    private const double Mib = 1024.0 * 1024.0;

    public static FineTuneFigures Run(FineTuneWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(work.Steps, 2);
        if (!ProcessMemory.Available)
            throw new PlatformNotSupportedException("Measuring peak memory needs Linux's /proc/self/status.");
        var config = ConfigFor(work);
        var data = MemoryBenchmark.PaddedToMaxLength(config);

        var metrics = new List<MetricsEvent>();
        var sink = new TrainingEventHub();
        using var subscription = sink.Subscribe(e =>
        {
            if (e is MetricsEvent m) metrics.Add(m);
        });

        ProcessMemory.ReleaseFreedMemory();
        var baseline = ProcessMemory.ResidentBytes();
        var reset = ProcessMemory.TryResetPeak();
        long peak;
        using (var sampler = new PeakMemorySampler())
        {
            using (var trainer = new Trainer(config, data, new TrainerOptions(), sink))
            {
                var outcome = trainer.Run();
                if (outcome.State != TrainingState.Completed)
                    throw new InvalidOperationException($"The fine-tuning benchmark's {work.Preset} run ended {outcome.State}: {outcome.Reason}");
            }
            peak = reset ? ProcessMemory.PeakResidentBytes() : sampler.PeakBytes;
        }

        var stepSeconds = metrics.Select(m => (m.TokensSeen - Previous(metrics, m)) / m.TokensPerSecond).ToArray();
        var timed = stepSeconds.Skip(1).Order().ToArray();
        var median = timed.Length % 2 == 1 ? timed[timed.Length / 2] : (timed[timed.Length / 2 - 1] + timed[timed.Length / 2]) / 2;
        var tokensPerStep = (double)(metrics[^1].TokensSeen - metrics[0].TokensSeen) / (metrics.Count - 1);
        var views = (double)metrics[^1].ImagesSeen / (metrics.Count * config.BatchSize);
        var model = config.ResolveModel();
        var estimate = MemoryEstimate.For(config, work.Precision, views);
        return new FineTuneFigures(work.Preset, work.Precision.Label(), config.BatchSize, config.MaxLength, model.MaxImgSize,
            ParameterCount.Of(model).Total, views, metrics.Count, tokensPerStep, median, tokensPerStep / median, stepSeconds,
            baseline / Mib, peak / Mib, (peak - baseline) / Mib, estimate.TotalBytes / Mib, reset ? "vmhwm" : "sampled", work.Threads);
    }

    /// <summary>The preset as measured: one micro-batch per step, every part trained, nothing but training steps.</summary>
    public static TrainingConfig ConfigFor(FineTuneWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var preset = TrainingPresets.Get(work.Preset, VlmLoader.BuiltInBaseVocabSize);
        var model = preset.ResolveModel();
        return preset with
        {
            Model = model with { MaxImgSize = work.MaxImageSize ?? model.MaxImgSize },
            Precision = work.Precision switch
            {
                ComputePrecision.Bf16 => PrecisionMode.Bf16,
                ComputePrecision.Fp32 => PrecisionMode.Fp32,
                _ => PrecisionMode.Fp16,
            },
            BatchSize = work.BatchSize,
            GradAccum = 1,
            MaxLength = work.MaxLength ?? preset.MaxLength,
            LrVision = preset.LrVision > 0 ? preset.LrVision : preset.LrLanguage,
            MaxSteps = work.Steps,
            EvalInterval = 0,
            CheckpointInterval = 0,
            HeadroomInterval = 0,
            Threads = work.Threads,
            Seed = 1,
        };
    }

    private static long Previous(List<MetricsEvent> metrics, MetricsEvent current)
    {
        var index = metrics.IndexOf(current);
        return index == 0 ? 0 : metrics[index - 1].TokensSeen;
    }
}
