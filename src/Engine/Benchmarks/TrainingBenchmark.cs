using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Sources;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>
/// Training speed of one preset in one precision, on real <c>synthetic:easy</c> batches.
/// </summary>
/// <param name="TokensPerStep">non-padding tokens per optimizer step (image placeholders included), as the trainer counts them</param>
/// <param name="ImagesPerStep">image views (tiles and global views) through the vision tower per step</param>
/// <param name="StepMs">median step as the trainer runs it: <see cref="OptimizerStep"/> with the NaN guard's every-step check</param>
/// <param name="UnguardedStepMs">median step without the guard (<see cref="UnguardedStep"/>)</param>
/// <param name="HeadroomStepMs">median step that also runs the activation-headroom probe</param>
/// <param name="HeadroomInterval">the preset's headroom interval: one step in this many runs the probe</param>
/// <param name="ModelGflopsPerStep">see <see cref="ModelFlops"/></param>
/// <param name="Mfu">model FLOPs per second over the matrix-multiply peak of this precision</param>
/// <param name="MfuOfFp32Peak">the same over the fp32 peak (the yardstick for both precisions)</param>
/// <param name="PeakFp32Gflops">the fp32 matrix-multiply peak timed between this row's steps (what its MFU divides by)</param>
/// <param name="PeakBf16Gflops">the same in bf16</param>
/// <param name="GuardCostPercent">what the guard adds to a step: check every step plus the probe amortised over its interval, in % of the unguarded step</param>
/// <param name="HeadroomProbeCostPercent">what one probed step costs over a plain guarded step, in %</param>
public sealed record TrainingFigures(
    string Preset,
    string Precision,
    int BatchSize,
    int MaxLength,
    double TokensPerStep,
    double ImagesPerStep,
    double StepMs,
    double UnguardedStepMs,
    double HeadroomStepMs,
    int HeadroomInterval,
    double TokensPerSecond,
    double TokensPerSecondUnguarded,
    double ImagesPerSecond,
    double ModelGflopsPerStep,
    double ModelGflopsPerSecond,
    double Mfu,
    double MfuOfFp32Peak,
    double GuardCostPercent,
    double HeadroomProbeCostPercent,
    double PeakFp32Gflops,
    double PeakBf16Gflops);

/// <summary>How much training work one measurement does.</summary>
/// <param name="BatchSize">micro-batch; null keeps the preset's</param>
/// <param name="Warmups">steps of each kind before timing (the first steps allocate the optimizer state)</param>
/// <param name="Repeats">timed steps of each kind; the figure is their median</param>
public sealed record TrainingWork(int? BatchSize, int Warmups, int Repeats);

/// <summary>
/// Times optimizer steps of a training preset in a precision: the guarded step the trainer runs, the same step with
/// the headroom probe, and the step without the guard, measured in alternation on a few real <c>synthetic:easy</c>
/// batches prepared up front (so the figures do not include drawing pages). Turns them into tokens/s, images/s and
/// model FLOPs utilisation against the matrix-multiply peak timed between the steps.
/// </summary>
public static class TrainingBenchmark
{
    private const int PreparedBatches = 4;

    public static TrainingFigures Run(string preset, ComputePrecision precision, TrainingWork work, int matmulSize, int threads)
    {
        ArgumentNullException.ThrowIfNull(work);
        var presetConfig = TrainingPresets.Get(preset, VlmLoader.BuiltInBaseVocabSize);
        var config = presetConfig with
        {
            // Every group trains, as in a full fine-tune, so that the step is the whole model's forward and backward
            // that the MFU's FLOP count assumes (the from-scratch presets freeze their vision tower).
            LrVision = presetConfig.LrVision > 0 ? presetConfig.LrVision : presetConfig.LrLanguage,
            BatchSize = work.BatchSize ?? presetConfig.BatchSize,
            Threads = threads,
            Seed = 1,
        };
        EngineThreads.Apply(threads);
        var model = config.ResolveModel();
        var batches = Prepare(config);
        try
        {
            manual_seed(config.Seed);
            using var network = new VisionLanguageModel(model);
            network.train();
            using var session = new TrainingSession(config, network, new ReplayedBatches(batches), precision, onCuda: false);
            // The matrix-multiply peaks are timed between the steps, so that the MFU compares figures taken under the
            // same load (the machine may be shared).
            using var fp32Product = new SquareProduct(ScalarType.Float32, matmulSize);
            using var bf16Product = new SquareProduct(ScalarType.BFloat16, matmulSize);
            var times = Measure.InterleavedMedianMilliseconds(
            [
                () => UnguardedStep.Run(session),
                () => GuardedStep(session, measureHeadroom: false),
                () => GuardedStep(session, measureHeadroom: true),
                fp32Product.Run,
                bf16Product.Run,
            ], work.Warmups, work.Repeats);
            var (unguarded, guarded, probed) = (times[0], times[1], times[2]);
            var (fp32Peak, bf16Peak) = (fp32Product.Gflops(times[3]), bf16Product.Gflops(times[4]));

            var (tokens, labelled, images) = Counts(batches);
            var flops = ModelFlops.TrainingStep(model, (long)Math.Round(tokens), (long)Math.Round(labelled), (long)Math.Round(images));
            var interval = Math.Max(1, config.HeadroomInterval);
            var guardedAmortised = guarded + (probed - guarded) / interval;
            var flopsPerSecond = flops / (guarded / 1000);
            var ownPeak = precision == ComputePrecision.Bf16 ? bf16Peak : fp32Peak;
            return new TrainingFigures(
                preset, precision.Label(), config.BatchSize, config.MaxLength, tokens, images,
                StepMs: guarded,
                UnguardedStepMs: unguarded,
                HeadroomStepMs: probed,
                HeadroomInterval: config.HeadroomInterval,
                TokensPerSecond: tokens / (guarded / 1000),
                TokensPerSecondUnguarded: tokens / (unguarded / 1000),
                ImagesPerSecond: images / (guarded / 1000),
                ModelGflopsPerStep: flops / 1e9,
                ModelGflopsPerSecond: flopsPerSecond / 1e9,
                Mfu: flopsPerSecond / 1e9 / ownPeak,
                MfuOfFp32Peak: flopsPerSecond / 1e9 / fp32Peak,
                GuardCostPercent: 100 * (guardedAmortised - unguarded) / unguarded,
                HeadroomProbeCostPercent: 100 * (probed - guarded) / guarded,
                PeakFp32Gflops: fp32Peak,
                PeakBf16Gflops: bf16Peak);
        }
        finally
        {
            foreach (var batch in batches) Dispose(batch);
        }
    }

    /// <summary>A few real micro-batches from the preset's data source, made once and kept outside any dispose scope.</summary>
    private static List<TrainingBatch> Prepare(TrainingConfig config)
    {
        var data = TrainingDataFactory.Create(config).Data;
        return [.. Enumerable.Range(0, PreparedBatches).Select(_ => data.NextBatch(config.BatchSize))];
    }

    /// <summary>Mean non-padding tokens, labelled positions and image views per batch.</summary>
    private static (double Tokens, double Labelled, double Images) Counts(IReadOnlyList<TrainingBatch> batches)
    {
        using var scope = NewDisposeScope();
        return (batches.Average(b => (double)b.AttentionMask.ne(0).sum().item<long>()),
                batches.Average(b => (double)b.Labels.ne(VisionLanguageModel.IgnoreIndex).sum().item<long>()),
                batches.Average(b => (double)b.ImageCount));
    }

    private static void GuardedStep(TrainingSession session, bool measureHeadroom)
    {
        var result = OptimizerStep.Run(session, faults: null, measureHeadroom);
        if (result.Status != StepStatus.Applied)
            throw new InvalidOperationException(
                $"A benchmark step of {session.Config.ModelPreset} in {session.Precision.Label()} was not applied ({result.Status}: {result.Diagnosis?.Explanation}).");
        session.Step++;
    }

    private static void Dispose(TrainingBatch batch)
    {
        batch.InputIds.Dispose();
        batch.AttentionMask.Dispose();
        batch.Labels.Dispose();
        batch.PixelValues?.Dispose();
    }
}
