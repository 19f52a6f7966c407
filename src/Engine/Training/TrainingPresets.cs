using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Training;

/// <summary>Named training setups (<c>train --preset NAME</c>).</summary>
public static class TrainingPresets
{
    public const string Fp16OverflowName = "fp16-overflow";

    public static IReadOnlyList<string> Names { get; } = [ModelPresets.TinyName, ModelPresets.SmallName, Fp16OverflowName];

    public static TrainingConfig Get(string name, int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny(baseVocabSize),
        "small" => Small(baseVocabSize),
        Fp16OverflowName => Fp16Overflow(baseVocabSize),
        _ => throw new ArgumentException($"Unknown training preset '{name}'. Known presets: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// The tiny model trained from scratch on two CPU cores: higher learning rates than nanoVLM's fine-tuning
    /// defaults, and images seen as one 64 px view (<c>max_img_size</c> 64: 16 image tokens, where the model preset's
    /// 256 would split a 128 px synthetic:easy page into 2×2 tiles plus a global view, 85 image tokens). The easy
    /// pages are drawn to survive that downscale, and the shorter rows make each step about 3× cheaper.
    /// </summary>
    /// <remarks>
    /// The vision tower stays at its random init (<c>lr_vision</c> 0), and the projector and decoder learn to read
    /// it. Trained together from scratch, the tower is wrecked in the first ~50 steps, while the loss falls from
    /// ln V to the answers' prior: its gradients are large then and carry nothing about the page, the decoder learns
    /// to ignore the image tokens, the gradient reaching the tower falls 10,000-fold, and the run stays at the prior
    /// (every page answered alike) at vision learning rates from 1e-3 to 1e-2; 1e-4 only slows the damage. A random tower's features are
    /// rich enough for the projector: frozen, the same run reaches validation ANLS 0.65 by step 700 and 0.8 by step
    /// 1,400 (docs/training.md, "How the tiny preset learns to read the page"). nanoVLM's own defaults also train the
    /// vision tower 100× slower than the projector.
    /// </remarks>
    public static TrainingConfig Tiny(int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) => new()
    {
        ModelPreset = ModelPresets.TinyName,
        Model = TinyModel(baseVocabSize),
        Precision = PrecisionMode.Auto,
        MaxSteps = 2500,
        BatchSize = 8,
        GradAccum = 1,
        MaxLength = 128,
        LrMp = 3e-3,
        LrVision = 0,
        LrLanguage = 1e-3,
        EvalInterval = 100,
        ValBatches = 8,
        CheckpointInterval = 250,
        HeadroomInterval = 50,
    };

    /// <summary>The tiny model preset with images as a single 64 px view.</summary>
    public static VlmConfig TinyModel(int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) =>
        ModelPresets.Tiny(baseVocabSize) with { MaxImgSize = 64 };

    /// <summary>
    /// The small model from scratch, with tiny's schedule and its frozen random vision tower (the reason, measured on
    /// tiny, is the same for any tower trained from scratch next to a from-scratch decoder).
    /// </summary>
    public static TrainingConfig Small(int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) => Tiny(baseVocabSize) with
    {
        ModelPreset = ModelPresets.SmallName,
        Model = ModelPresets.Small(baseVocabSize),
        MaxLength = 128,
        LrLanguage = 5e-4,
    };

    /// <summary>
    /// The seed's failure (SmolLM2-360M on DocVQA under fp16 autocast ends in <c>Train Loss: nan</c>) reproduced on a
    /// CPU in about a minute through genuine fp16 overflow, nothing injected: the tiny model with a wider SwiGLU MLP
    /// (1024, 8× the width, like the larger SmolLM2's wide MLPs) and an aggressive constant learning rate without
    /// weight decay. Training drives <c>gate·up</c> coherent, so the <c>down_proj</c> outputs grow step after step
    /// (the headroom warnings show it coming) until they pass fp16's 65504 within ~60 steps: in fp16 the residual
    /// stream turns inf and the loss NaN, while bf16 and fp32 (same range as float32) keep training with a falling
    /// loss. Under <c>recover</c> the run rolls back and switches precision.
    /// </summary>
    public static TrainingConfig Fp16Overflow(int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) => Tiny(baseVocabSize) with
    {
        ModelPreset = Fp16OverflowName,
        Model = TinyModel(baseVocabSize) with { LmInterDim = 1024 },
        Precision = PrecisionMode.Fp16,
        MaxSteps = 150,
        BatchSize = 4,
        MaxLength = 48,
        LrMp = 3e-2,
        LrVision = 1e-3,
        LrLanguage = 3e-2,
        WeightDecay = 0,
        WarmupFraction = 0.02,
        MinLrFraction = 1,
        EvalInterval = 50,
        CheckpointInterval = 25,
        HeadroomInterval = 10,
        NanPolicy = NanPolicy.Recover,
    };
}
