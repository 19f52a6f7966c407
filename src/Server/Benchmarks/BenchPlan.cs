using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;

namespace NanoVlm.Server.Benchmarks;

/// <summary>
/// How much work each section of <c>bench</c> does. The full run gives figures worth publishing (under 15 minutes
/// on two cores); <c>--quick</c> writes every figure with fewer repeats and steps (under 2 minutes).
/// </summary>
internal sealed record BenchPlan
{
    public required bool Quick { get; init; }
    public required int Threads { get; init; }

    /// <summary>Tokens generated per inference measurement (the KV-cache target is stated at 64).</summary>
    public required int NewTokens { get; init; }

    public required int MatmulRepeats { get; init; }
    public required IReadOnlyList<string> TrainingPresets { get; init; }
    public required TrainingWork TinyTraining { get; init; }
    public required TrainingWork SmallTraining { get; init; }
    public required string MemoryPreset { get; init; }
    public required IReadOnlyList<ComputePrecision> MemoryPrecisions { get; init; }
    public required int MemorySteps { get; init; }
    public int? MemoryBatchSize { get; init; }
    public required IReadOnlyList<string> GenerationPresets { get; init; }
    public required int GenerationRepeats { get; init; }
    public required DataWork Data { get; init; }
    public required int IngestMetrics { get; init; }
    public required int IngestRepeats { get; init; }
    public required int ChartRepeats { get; init; }

    public TrainingWork TrainingWorkFor(string preset) => preset == ModelPresets.TinyName ? TinyTraining : SmallTraining;

    /// <param name="repeats">overrides every section's number of timed repeats</param>
    /// <param name="batchSize">overrides the training presets' micro-batch</param>
    /// <param name="autoPrecision">what <c>auto</c> resolves to for the memory preset here (the one precision --quick measures)</param>
    public static BenchPlan For(bool quick, int threads, int newTokens, int? repeats, int? batchSize, ComputePrecision autoPrecision)
    {
        int Repeats(int quickCount, int fullCount) => repeats ?? (quick ? quickCount : fullCount);
        return new BenchPlan
        {
            Quick = quick,
            Threads = threads,
            NewTokens = newTokens,
            MatmulRepeats = Repeats(3, 7),
            TrainingPresets = [ModelPresets.TinyName, ModelPresets.SmallName],
            TinyTraining = new TrainingWork(batchSize, Warmups: quick ? 1 : 2, Repeats: Repeats(3, 21)),
            SmallTraining = new TrainingWork(batchSize, Warmups: 1, Repeats: Repeats(2, 9)),
            MemoryPreset = ModelPresets.SmallName,
            MemoryPrecisions = quick ? [autoPrecision] : [ComputePrecision.Fp32, ComputePrecision.Bf16],
            MemorySteps = 3,
            MemoryBatchSize = batchSize,
            GenerationPresets = [ModelPresets.TinyName, ModelPresets.SmallName],
            GenerationRepeats = Repeats(3, 5),
            Data = quick
                ? new DataWork(SyntheticDocuments: Repeats(9, 9), PreprocessingRepeats: Repeats(3, 3), ReaderDocuments: 100, ReaderRepeats: Repeats(3, 3))
                : new DataWork(SyntheticDocuments: Repeats(31, 31), PreprocessingRepeats: Repeats(7, 7), ReaderDocuments: 500, ReaderRepeats: Repeats(5, 5)),
            IngestMetrics = quick ? 20_000 : 100_000,
            IngestRepeats = Repeats(3, 5),
            ChartRepeats = Repeats(5, 11),
        };
    }
}
