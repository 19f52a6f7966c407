namespace NanoVlm.Engine.Model;

/// <summary>
/// The rules a <see cref="VlmConfig"/> must satisfy for the model to be built and to mean what nanoVLM means.
/// The reference checks almost none of these (a wrong <c>mp_image_token_length</c> only fails deep inside the
/// first forward), so they are collected here and reported all at once.
/// </summary>
internal static class VlmConfigValidation
{
    public static IReadOnlyList<string> Check(VlmConfig c)
    {
        var problems = new List<string>();

        void Positive(string name, long value)
        {
            if (value <= 0) problems.Add($"{name} must be positive (got {value}).");
        }
        void PositiveFinite(string name, double value)
        {
            if (!(value > 0) || double.IsInfinity(value)) problems.Add($"{name} must be a positive finite number (got {value}).");
        }
        void Probability(string name, double value)
        {
            if (!(value >= 0 && value < 1)) problems.Add($"{name} must be in [0, 1) (got {value}).");
        }

        Positive("vit_hidden_dim", c.VitHiddenDim);
        Positive("vit_inter_dim", c.VitInterDim);
        Positive("vit_patch_size", c.VitPatchSize);
        Positive("vit_img_size", c.VitImgSize);
        Positive("vit_n_heads", c.VitNHeads);
        Positive("vit_n_blocks", c.VitNBlocks);
        PositiveFinite("vit_ln_eps", c.VitLnEps);
        Probability("vit_dropout", c.VitDropout);

        Positive("lm_hidden_dim", c.LmHiddenDim);
        Positive("lm_inter_dim", c.LmInterDim);
        Positive("lm_n_heads", c.LmNHeads);
        Positive("lm_n_kv_heads", c.LmNKvHeads);
        Positive("lm_n_blocks", c.LmNBlocks);
        Positive("lm_max_position_embeddings", c.LmMaxPositionEmbeddings);
        Positive("lm_max_length", c.LmMaxLength);
        Positive("lm_base_vocab_size", c.LmBaseVocabSize);
        Positive("lm_vocab_size", c.LmVocabSize);
        PositiveFinite("lm_rms_eps", c.LmRmsEps);
        PositiveFinite("lm_re_base", c.LmReBase);
        Probability("lm_dropout", c.LmDropout);
        if (!double.IsFinite(c.LmAttnScaling)) problems.Add($"lm_attn_scaling must be finite (got {c.LmAttnScaling}).");
        if (c.ExtraTokenAmount < 0) problems.Add($"extra_token_amount must not be negative (got {c.ExtraTokenAmount}).");

        Positive("mp_pixel_shuffle_factor", c.MpPixelShuffleFactor);
        Positive("mp_image_token_length", c.MpImageTokenLength);
        Positive("max_img_size", c.MaxImgSize);

        // Vision geometry: patches tile the image, the shuffle tiles the patch grid, and the projector's
        // output length is what the text reserves per image.
        if (c.VitHiddenDim > 0 && c.VitNHeads > 0 && c.VitHiddenDim % c.VitNHeads != 0)
            problems.Add($"vit_hidden_dim ({c.VitHiddenDim}) must be divisible by vit_n_heads ({c.VitNHeads}).");
        if (c.VitImgSize > 0 && c.VitPatchSize > 0)
        {
            if (c.VitImgSize % c.VitPatchSize != 0)
            {
                problems.Add($"vit_img_size ({c.VitImgSize}) must be a multiple of vit_patch_size ({c.VitPatchSize}).");
            }
            else if (c.MpPixelShuffleFactor > 0)
            {
                var side = c.VitPatchesPerSide;
                var s = c.MpPixelShuffleFactor;
                if (side % s != 0)
                {
                    problems.Add($"the patch grid side vit_img_size/vit_patch_size = {side} must be divisible by mp_pixel_shuffle_factor ({s}).");
                }
                else
                {
                    var expected = side * side / (s * s);
                    if (c.MpImageTokenLength != expected)
                        problems.Add($"mp_image_token_length ({c.MpImageTokenLength}) must equal (vit_img_size/vit_patch_size)^2 / mp_pixel_shuffle_factor^2 = ({c.VitImgSize}/{c.VitPatchSize})^2 / {s}^2 = {expected}.");
                }
            }
        }
        if (c.VitClsFlag)
            problems.Add("vit_cls_flag must be false in a VLM: the modality projector needs every patch token, and the CLS path returns one vector per image.");

        // Language model geometry.
        if (c.LmHiddenDim > 0 && c.LmNHeads > 0)
        {
            if (c.LmHiddenDim % c.LmNHeads != 0)
                problems.Add($"lm_hidden_dim ({c.LmHiddenDim}) must be divisible by lm_n_heads ({c.LmNHeads}).");
            else if (c.LmHeadDim % 2 != 0)
                problems.Add($"the LM head dimension lm_hidden_dim/lm_n_heads = {c.LmHeadDim} must be even (rotary embeddings rotate half of it).");
        }
        if (c.LmNHeads > 0 && c.LmNKvHeads > 0 && c.LmNHeads % c.LmNKvHeads != 0)
            problems.Add($"lm_n_heads ({c.LmNHeads}) must be divisible by lm_n_kv_heads ({c.LmNKvHeads}).");
        if (c.LmUseTokens)
            problems.Add("lm_use_tokens must be false in a VLM: the decoder receives embeddings with the image rows already merged.");

        // Vocabulary: base tokenizer plus the extra tokens, each extra token with its own row.
        if ((long)c.LmBaseVocabSize + c.ExtraTokenAmount != c.LmVocabSize)
            problems.Add($"lm_vocab_size ({c.LmVocabSize}) must equal lm_base_vocab_size + extra_token_amount = {c.LmBaseVocabSize} + {c.ExtraTokenAmount} = {(long)c.LmBaseVocabSize + c.ExtraTokenAmount}.");
        if (c.VlmExtraTokens.Count != c.ExtraTokenAmount)
            problems.Add($"extra_token_amount ({c.ExtraTokenAmount}) must equal the number of vlm_extra_tokens ({c.VlmExtraTokens.Count}).");
        if (!c.VlmExtraTokens.ContainsKey("image_token"))
            problems.Add("vlm_extra_tokens must contain an \"image_token\" entry (the <|image|> placeholder).");
        if (c.VlmExtraTokens.Values.Distinct(StringComparer.Ordinal).Count() != c.VlmExtraTokens.Count)
            problems.Add("vlm_extra_tokens must map to distinct token strings.");

        return problems;
    }
}

/// <summary>A config that breaks one or more rules; <see cref="Problems"/> lists every one of them.</summary>
public sealed class InvalidVlmConfigException : Exception
{
    public InvalidVlmConfigException(IReadOnlyList<string> problems)
        : base($"Invalid nanoVLM config ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):" + Environment.NewLine
               + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
    {
        Problems = problems;
    }

    public InvalidVlmConfigException() : this(Array.Empty<string>()) { }
    public InvalidVlmConfigException(string message) : base(message) { Problems = [message]; }
    public InvalidVlmConfigException(string message, Exception inner) : base(message, inner) { Problems = [message]; }

    public IReadOnlyList<string> Problems { get; }
}
