namespace NanoVlm.Engine.Model;

/// <summary>
/// Named model sizes. Every preset uses HEAD's placeholder scheme (66 extra tokens: <c>&lt;|image|&gt;</c>,
/// <c>&lt;|global_image|&gt;</c>, 8×8 grid tokens) on top of a real tokenizer's base vocabulary.
/// </summary>
/// <remarks>
/// Vocabulary design: the model must embed every id its tokenizer can produce, so the vocabulary is not a size
/// knob: it is <c>baseVocabSize</c> (the tokenizer's size, SmolLM2's 49152 by default; pass 50257 for GPT-2)
/// plus the extra tokens. For <see cref="Tiny"/> that makes the embedding the largest tensor (49218 × 128 ≈ 6.3M
/// parameters, tied with the head so it is stored once), which still trains at a few steps per second on two CPU
/// cores; shrinking it would need a different tokenizer, not a different model.
/// </remarks>
public static class ModelPresets
{
    public const string TinyName = "tiny";
    public const string SmallName = "small";
    public const string NanoVlm222MName = "nanoVLM-222M";
    public const string NanoVlm460MName = "nanoVLM-460M";

    /// <summary>SmolLM2's tokenizer size (the base vocabulary nanoVLM adds its extra tokens to).</summary>
    public const int SmolLm2BaseVocabSize = 49152;

    public static IReadOnlyList<string> Names { get; } = [TinyName, SmallName, NanoVlm222MName, NanoVlm460MName];

    /// <summary>The preset called <paramref name="name"/> (case-insensitive).</summary>
    public static VlmConfig Get(string name, int baseVocabSize = SmolLm2BaseVocabSize) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny(baseVocabSize),
        "small" => Small(baseVocabSize),
        "nanovlm-222m" => NanoVlm222M(baseVocabSize),
        "nanovlm-460m" => NanoVlm460M(baseVocabSize),
        _ => throw new ArgumentException($"Unknown model preset '{name}'. Known presets: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// Trains from scratch on two CPU cores in minutes: 64 px images in 8 px patches (8×8 grid, shuffle 2 → 16 image
    /// tokens), a 2-block 64-wide ViT and a 4-block 128-wide decoder with GQA (4 query / 2 KV heads).
    /// </summary>
    public static VlmConfig Tiny(int baseVocabSize = SmolLm2BaseVocabSize) => WithVocab(new VlmConfig
    {
        VitHiddenDim = 64,
        VitInterDim = 256,
        VitPatchSize = 8,
        VitImgSize = 64,
        VitNHeads = 4,
        VitNBlocks = 2,
        VitModelType = "none (trained from scratch)",
        LmHiddenDim = 128,
        LmInterDim = 384,
        LmNHeads = 4,
        LmNKvHeads = 2,
        LmNBlocks = 4,
        LmMaxPositionEmbeddings = 2048,
        LmMaxLength = 512,
        MpPixelShuffleFactor = 2,
        MpImageTokenLength = 16,
        MaxImgSize = 256,
        ResizeToMaxSideLen = false,
        VlmLoadBackboneWeights = false,
    }, baseVocabSize);

    /// <summary>
    /// A mid-size from-scratch model for a workstation: 224 px images in 16 px patches (14×14 grid, shuffle 2 → 49
    /// tokens), a 6-block 192-wide ViT and an 8-block 384-wide decoder.
    /// </summary>
    public static VlmConfig Small(int baseVocabSize = SmolLm2BaseVocabSize) => WithVocab(new VlmConfig
    {
        VitHiddenDim = 192,
        VitInterDim = 768,
        VitPatchSize = 16,
        VitImgSize = 224,
        VitNHeads = 3,
        VitNBlocks = 6,
        VitModelType = "none (trained from scratch)",
        LmHiddenDim = 384,
        LmInterDim = 1024,
        LmNHeads = 6,
        LmNKvHeads = 2,
        LmNBlocks = 8,
        LmMaxPositionEmbeddings = 4096,
        LmMaxLength = 1024,
        MpPixelShuffleFactor = 2,
        MpImageTokenLength = 49,
        MaxImgSize = 896,
        ResizeToMaxSideLen = false,
        VlmLoadBackboneWeights = false,
    }, baseVocabSize);

    /// <summary>
    /// nanoVLM v0.1's published model, <c>lusxvr/nanoVLM-222M</c> (spec §1.1, §4.7): SigLIP-B/16-224 + SmolLM2-135M,
    /// pixel shuffle 2 → 49 tokens, run with HEAD's placeholder scheme and extra tokens (66 more embedding rows than
    /// v0.1's 49152, so 222,119,616 parameters instead of 222,081,600).
    /// </summary>
    /// <remarks>
    /// Images as v0.1 sees them: one 224 px view (<c>max_img_size</c> = <c>vit_img_size</c> = 224, resized to the
    /// maximum side, so every picture becomes a single square tile, as v0.1's <c>Resize((224, 224))</c> did; no
    /// splitting, 49 image tokens plus the global-image marker). <c>lm_max_length</c> is v0.1's whole sequence,
    /// 128 tokens (49 image + 79 text).
    /// </remarks>
    public static VlmConfig NanoVlm222M(int baseVocabSize = SmolLm2BaseVocabSize) => WithVocab(new VlmConfig
    {
        VitHiddenDim = 768,
        VitInterDim = 3072,
        VitPatchSize = 16,
        VitImgSize = 224,
        VitNHeads = 12,
        VitNBlocks = 12,
        VitModelType = "google/siglip-base-patch16-224",
        LmHiddenDim = 576,
        LmInterDim = 1536,
        LmNHeads = 9,
        LmNKvHeads = 3,
        LmNBlocks = 30,
        LmMaxPositionEmbeddings = 8192,
        LmMaxLength = 128,
        LmModelType = "HuggingFaceTB/SmolLM2-135M-Instruct",
        LmTokenizer = "HuggingFaceTB/SmolLM2-135M-Instruct",
        MpPixelShuffleFactor = 2,
        MpImageTokenLength = 49,
        MaxImgSize = 224,
    }, baseVocabSize);

    /// <summary>
    /// nanoVLM HEAD's default config (spec §1.1, §1.6; the architecture of <c>lusxvr/nanoVLM-460M-8k</c>):
    /// SigLIP2-B/16-512 + SmolLM2-360M, pixel shuffle 4 → 64 tokens per 512 px tile; every image resized to 2048 px on
    /// its long side and split into up to 4×4 tiles plus a global view (up to 17 × 65 = 1105 image tokens);
    /// 460,113,984 parameters with SmolLM2's vocabulary.
    /// </summary>
    public static VlmConfig NanoVlm460M(int baseVocabSize = SmolLm2BaseVocabSize) => WithVocab(new VlmConfig(), baseVocabSize);

    private static VlmConfig WithVocab(VlmConfig config, int baseVocabSize) => config with
    {
        LmBaseVocabSize = baseVocabSize,
        ExtraTokenAmount = config.VlmExtraTokens.Count,
        LmVocabSize = baseVocabSize + config.VlmExtraTokens.Count,
    };
}
