using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>Tiny configurations that train in a fraction of a second per step.</summary>
internal static class TrainingFixtures
{
    /// <summary>ViT 32 wide on 16 px images (4 image tokens), decoder 32 wide, 2 blocks, vocabulary 100 + 66.</summary>
    public static VlmConfig MicroModel() => new()
    {
        VitHiddenDim = 32,
        VitInterDim = 64,
        VitPatchSize = 4,
        VitImgSize = 16,
        VitNHeads = 2,
        VitNBlocks = 1,
        LmHiddenDim = 32,
        LmInterDim = 64,
        LmNHeads = 4,
        LmNKvHeads = 2,
        LmNBlocks = 2,
        LmMaxPositionEmbeddings = 256,
        LmBaseVocabSize = 100,
        ExtraTokenAmount = 66,
        LmVocabSize = 166,
        MpPixelShuffleFactor = 2,
        MpImageTokenLength = 4,
        VlmLoadBackboneWeights = false,
    };

    public static TrainingConfig Micro(int steps = 20) => new()
    {
        ModelPreset = "micro",
        Model = MicroModel(),
        Precision = PrecisionMode.Fp32,
        MaxSteps = steps,
        BatchSize = 4,
        GradAccum = 1,
        MaxLength = 16,
        LrMp = 3e-3,
        LrVision = 3e-3,
        LrLanguage = 3e-3,
        WarmupFraction = 0.1,
        Seed = 3,
        Threads = 1,
        EvalInterval = 0,
        ValBatches = 2,
        CheckpointInterval = 0,
        HeadroomInterval = 0,
    };

    /// <summary>
    /// The <c>fp16-overflow</c> preset's training settings on a micro model that keeps the preset's decoder width
    /// (128) and wide MLP (1024): fp16 overflows in the down projection within about 60 steps.
    /// </summary>
    public static TrainingConfig Fp16OverflowMicro(int steps, NanPolicy policy) => TrainingPresets.Fp16Overflow(100) with
    {
        ModelPreset = "fp16-overflow (micro)",
        Model = MicroModel() with { LmHiddenDim = 128, LmInterDim = 1024 },
        MaxSteps = steps,
        MaxLength = 16,
        Threads = 2,
        Seed = 3,
        // Above the preset's 0.03: at 0.03 the micro model's first overflow comes at step 50-95 depending on the CPU's
        // float32 kernels (Zen 4 vs Xeon); at 0.05 it comes at step 14-23 on both, while bf16 and fp32 still train.
        LrMp = 0.05,
        LrLanguage = 0.05,
        EvalInterval = steps,
        ValBatches = 2,
        NanPolicy = policy,
    };

    /// <summary>Collects a run's events.</summary>
    public sealed class Recorder : ITrainingEventSink
    {
        private readonly List<TrainingEvent> _events = [];

        public IReadOnlyList<TrainingEvent> Events
        {
            get
            {
                lock (_events) return _events.ToArray();
            }
        }

        public IReadOnlyList<T> Of<T>() where T : TrainingEvent => Events.OfType<T>().ToArray();

        public IReadOnlyList<double> Losses => Of<MetricsEvent>().Select(m => m.Loss).ToArray();

        public void Publish(TrainingEvent trainingEvent)
        {
            lock (_events) _events.Add(trainingEvent);
        }
    }
}
