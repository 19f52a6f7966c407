using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>
/// The nanoVLM config for a pair of backbones: the fields <c>ViT.from_pretrained</c> and
/// <c>LanguageModel.from_pretrained</c> overwrite come from the backbones' configs, the rest from the base config;
/// the vocabulary is the LM's plus the extra tokens, and <c>mp_image_token_length</c> follows from the SigLIP
/// grid and the shuffle factor, so the result always validates or fails with every problem listed.
/// </summary>
internal static class HfBackboneConfigBuilder
{
    public static VlmConfig Build(SiglipVisionBackboneConfig vision, LlamaBackboneConfig language, HfImportOptions options, List<string> warnings)
    {
        var baseConfig = options.BaseConfig ?? new VlmConfig();
        var factor = ChooseShuffleFactor(vision.PatchesPerSide, baseConfig.MpPixelShuffleFactor, options.PixelShuffleFactor, warnings);
        var extraTokens = baseConfig.VlmExtraTokens.Count;

        var config = baseConfig with
        {
            VitHiddenDim = vision.HiddenSize,
            VitInterDim = vision.IntermediateSize,
            VitPatchSize = vision.PatchSize,
            VitImgSize = vision.ImageSize,
            VitNHeads = vision.NumAttentionHeads,
            VitDropout = vision.AttentionDropout,
            VitNBlocks = vision.NumHiddenLayers,
            VitLnEps = vision.LayerNormEps,
            VitClsFlag = false,
            VitModelType = vision.Name,

            LmHiddenDim = language.HiddenSize,
            LmInterDim = language.IntermediateSize,
            LmRmsEps = language.RmsNormEps,
            LmReBase = language.RopeTheta,
            LmMaxPositionEmbeddings = language.MaxPositionEmbeddings,
            LmNHeads = language.NumAttentionHeads,
            LmNKvHeads = language.NumKeyValueHeads,
            LmDropout = language.AttentionDropout,
            LmNBlocks = language.NumHiddenLayers,
            LmBaseVocabSize = language.VocabSize,
            ExtraTokenAmount = extraTokens,
            LmVocabSize = language.VocabSize + extraTokens,
            LmTieWeights = options.TieWeights ?? language.TieWordEmbeddings,
            LmUseTokens = false,
            LmModelType = language.Name,
            LmTokenizer = language.Name,

            MpPixelShuffleFactor = factor,
            MpImageTokenLength = factor > 0 && vision.PatchesPerSide % factor == 0
                ? vision.NumPatches / (factor * factor)
                : baseConfig.MpImageTokenLength,
        };

        if (vision.PatchLayout == SiglipPatchLayout.FlattenedPatches)
            warnings.Add($"{vision.Name} is a SigLIP2 NaFlex model; nanoVLM runs it at the fixed resolution of its native position grid, {vision.ImageSize}×{vision.ImageSize} px.");
        if (config.LmMaxLength > config.LmMaxPositionEmbeddings)
            warnings.Add($"lm_max_length ({config.LmMaxLength}) exceeds the language model's max_position_embeddings ({config.LmMaxPositionEmbeddings}); longer sequences use nanoVLM's RoPE scaling.");
        return config.EnsureValid();
    }

    private static int ChooseShuffleFactor(int gridSide, int baseFactor, int? requested, List<string> warnings)
    {
        if (requested is { } explicitFactor) return explicitFactor; // validation explains a factor that does not fit
        if (baseFactor > 0 && gridSide % baseFactor == 0) return baseFactor;
        var fitting = Enumerable.Range(1, Math.Max(1, baseFactor)).Reverse().First(f => gridSide % f == 0);
        warnings.Add($"mp_pixel_shuffle_factor {baseFactor} does not divide the vision grid ({gridSide}×{gridSide} patches); using {fitting}, giving {gridSide / fitting * (gridSide / fitting)} image tokens per tile.");
        return fitting;
    }
}
