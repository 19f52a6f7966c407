using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Training;

/// <summary>Named training setups (<c>train --preset NAME</c>).</summary>
public static class TrainingPresets
{
    public const string Fp16OverflowName = "fp16-overflow";

    public static IReadOnlyList<string> Names { get; } =
        [ModelPresets.TinyName, ModelPresets.SmallName, Fp16OverflowName, ModelPresets.NanoVlm222MName, ModelPresets.NanoVlm460MName];

    public static TrainingConfig Get(string name, int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny(baseVocabSize),
        "small" => Small(baseVocabSize),
        Fp16OverflowName => Fp16Overflow(baseVocabSize),
        "nanovlm-222m" => NanoVlm222M(baseVocabSize),
        "nanovlm-460m" => NanoVlm460M(baseVocabSize),
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

    /// <summary>
    /// Fine-tuning nanoVLM-460M (<see cref="ModelPresets.NanoVlm460M"/>, nanoVLM HEAD's model) with nanoVLM HEAD's own
    /// <c>TrainConfig</c> defaults (spec §1.6, §4.2–4.5):
    /// <list type="bullet">
    /// <item>learning rates per part: projector <c>lr_mp</c> 5.12e-3, vision <c>lr_vision_backbone</c> 5e-5, language
    /// <c>lr_language_backbone</c> 5e-5; AdamW with PyTorch's defaults (weight decay 0.01 on every parameter);
    /// warmup 3% of the steps, cosine down to 10%; clipping at 1.0 (§4.2–4.4);</item>
    /// <item>batch: <c>batch_size</c> 2 per device × <c>gradient_accumulation_steps</c> 8 (§1.6);</item>
    /// <item>max_length 4096: <c>lm_max_length</c> and <c>max_sample_length</c> (§1.6); the reference packs several
    /// samples into it, this engine pads each sample to its batch's longest;</item>
    /// <item>image splitting and token budget: the model preset's, every page resized to 2048 px on its long side and
    /// cut into up to 4×4 tiles of 512 px plus a global view, 65 tokens per view, up to 1105 image tokens a page (§3.1–3.3);</item>
    /// <item>schedule length <c>max_training_steps</c> 40000; validation every <c>eval_interval</c> 500 steps over at most
    /// 64 leading batches, with a checkpoint at each evaluation (§4.5); <c>torch.manual_seed(0)</c> (§4.1);</item>
    /// <item>precision: the reference autocasts to bf16 on CUDA and CPU (§4.4); <see cref="PrecisionMode.Auto"/> does the
    /// same wherever bf16 is fast, and falls back to fp32 elsewhere.</item>
    /// </list>
    /// At these defaults a step needs more memory than a 24 GiB workstation has (the memory check says how much):
    /// lower the batch, max_length or <c>max_img_size</c> there.
    /// </summary>
    public static TrainingConfig NanoVlm460M(int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) => new()
    {
        ModelPreset = ModelPresets.NanoVlm460MName,
        Model = ModelPresets.NanoVlm460M(baseVocabSize),
        Precision = PrecisionMode.Auto,
        MaxSteps = 40_000,
        BatchSize = 2,
        GradAccum = 8,
        MaxLength = 4096,
        LrMp = 5.12e-3,
        LrVision = 5e-5,
        LrLanguage = 5e-5,
        WeightDecay = 0.01,
        WarmupFraction = 0.03,
        MinLrFraction = 0.1,
        MaxGradNorm = 1.0,
        EvalInterval = 500,
        ValBatches = 64,
        CheckpointInterval = 500,
        Seed = 0,
    };

    /// <summary>
    /// Fine-tuning nanoVLM-222M (<see cref="ModelPresets.NanoVlm222M"/>, the v0.1 release) with the settings v0.1
    /// trained it with (spec §4.7):
    /// <list type="bullet">
    /// <item>learning rates per part: projector <c>lr_mp</c> 2e-3, one <c>lr_backbones</c> 1e-4 for both the vision
    /// encoder and the decoder; no gradient clipping; AdamW with PyTorch's defaults;</item>
    /// <item>max_length 128: v0.1's whole sequence, 49 image tokens and 79 text tokens;</item>
    /// <item>image splitting and token budget: none; every image is one 224 px view (49 tokens plus the global-image
    /// marker of HEAD's placeholder scheme), as v0.1 resized every image to 224×224;</item>
    /// <item>batch: v0.1 put 256 samples into each optimizer step in one micro-batch on a data-centre GPU; here the same
    /// 256 samples per step come as micro-batches of 8 × 32 accumulation, so that a step fits a workstation's memory
    /// (the accumulated gradient is the mean of the micro-batch means, as in the reference's accumulation);</item>
    /// <item>validation every 250 steps (v0.1's evaluation interval) over at most 64 leading batches, with a
    /// checkpoint at each evaluation; the schedule length is HEAD's <c>max_training_steps</c> 40000 (v0.1 counted 5
    /// epochs, which a stream of samples has no equivalent for); warmup 3%, cosine to 10%;</item>
    /// <item>precision: v0.1 trained in bf16 autocast; <see cref="PrecisionMode.Auto"/> does the same wherever bf16 is
    /// fast, and falls back to fp32 elsewhere.</item>
    /// </list>
    /// </summary>
    public static TrainingConfig NanoVlm222M(int baseVocabSize = ModelPresets.SmolLm2BaseVocabSize) => new()
    {
        ModelPreset = ModelPresets.NanoVlm222MName,
        Model = ModelPresets.NanoVlm222M(baseVocabSize),
        Precision = PrecisionMode.Auto,
        MaxSteps = 40_000,
        BatchSize = 8,
        GradAccum = 32,
        MaxLength = 128,
        LrMp = 2e-3,
        LrVision = 1e-4,
        LrLanguage = 1e-4,
        WeightDecay = 0.01,
        WarmupFraction = 0.03,
        MinLrFraction = 0.1,
        MaxGradNorm = 0,
        EvalInterval = 250,
        ValBatches = 64,
        CheckpointInterval = 250,
        Seed = 0,
    };
}
