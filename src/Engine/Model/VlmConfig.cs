using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Model;

/// <summary>
/// Every field of nanoVLM's <c>VLMConfig</c> (huggingface/nanoVLM 4e0c096, <c>models/config.py</c>), with the
/// reference's defaults and its snake_case <c>config.json</c> names. Reading and writing the file lives in
/// <see cref="VlmConfigFile"/>; the consistency rules in <see cref="VlmConfigValidation"/>.
/// </summary>
public sealed record VlmConfig
{
    // ---- Vision transformer (SigLIP-style) ----
    [JsonPropertyName("vit_hidden_dim")] public int VitHiddenDim { get; init; } = 768;
    [JsonPropertyName("vit_inter_dim")] public int VitInterDim { get; init; } = 4 * 768;
    [JsonPropertyName("vit_patch_size")] public int VitPatchSize { get; init; } = 16;
    [JsonPropertyName("vit_img_size")] public int VitImgSize { get; init; } = 512;
    [JsonPropertyName("vit_n_heads")] public int VitNHeads { get; init; } = 12;
    [JsonPropertyName("vit_dropout")] public double VitDropout { get; init; }
    [JsonPropertyName("vit_n_blocks")] public int VitNBlocks { get; init; } = 12;
    [JsonPropertyName("vit_ln_eps")] public double VitLnEps { get; init; } = 1e-6;
    [JsonPropertyName("vit_cls_flag")] public bool VitClsFlag { get; init; }
    [JsonPropertyName("vit_model_type")] public string VitModelType { get; init; } = "google/siglip2-base-patch16-512";

    // ---- Language model (SmolLM2 / Llama-style decoder) ----
    [JsonPropertyName("lm_hidden_dim")] public int LmHiddenDim { get; init; } = 960;
    [JsonPropertyName("lm_inter_dim")] public int LmInterDim { get; init; } = 2560;
    [JsonPropertyName("lm_rms_eps")] public double LmRmsEps { get; init; } = 1e-5;
    [JsonPropertyName("lm_re_base")] public double LmReBase { get; init; } = 100000;
    [JsonPropertyName("lm_max_position_embeddings")] public int LmMaxPositionEmbeddings { get; init; } = 8192;
    [JsonPropertyName("lm_base_vocab_size")] public int LmBaseVocabSize { get; init; } = 49152;
    [JsonPropertyName("extra_token_amount")] public int ExtraTokenAmount { get; init; } = 66;
    [JsonPropertyName("lm_vocab_size")] public int LmVocabSize { get; init; } = 49152 + 66;
    [JsonPropertyName("lm_n_heads")] public int LmNHeads { get; init; } = 15;
    [JsonPropertyName("lm_n_kv_heads")] public int LmNKvHeads { get; init; } = 5;
    [JsonPropertyName("lm_dropout")] public double LmDropout { get; init; }
    [JsonPropertyName("lm_n_blocks")] public int LmNBlocks { get; init; } = 32;
    [JsonPropertyName("lm_attn_scaling")] public double LmAttnScaling { get; init; } = 1.0;
    [JsonPropertyName("lm_max_length")] public int LmMaxLength { get; init; } = 4096;
    [JsonPropertyName("lm_use_tokens")] public bool LmUseTokens { get; init; }
    [JsonPropertyName("lm_tie_weights")] public bool LmTieWeights { get; init; } = true;
    [JsonPropertyName("lm_model_type")] public string LmModelType { get; init; } = "HuggingFaceTB/SmolLM2-360M-Instruct";
    [JsonPropertyName("lm_tokenizer")] public string LmTokenizer { get; init; } = "HuggingFaceTB/SmolLM2-360M-Instruct";

    [JsonPropertyName("lm_chat_template")]
    public string LmChatTemplate { get; init; } =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    // ---- Modality projector ----
    [JsonPropertyName("mp_pixel_shuffle_factor")] public int MpPixelShuffleFactor { get; init; } = 4;
    [JsonPropertyName("mp_image_token_length")] public int MpImageTokenLength { get; init; } = 64;

    // ---- Image preprocessing ----
    [JsonPropertyName("max_img_size")] public int MaxImgSize { get; init; } = 2048;
    [JsonPropertyName("resize_to_max_side_len")] public bool ResizeToMaxSideLen { get; init; } = true;

    // ---- VLM ----
    /// <summary>
    /// The extra tokens appended to the base vocabulary, in id order: the n-th entry gets id
    /// <c>lm_base_vocab_size + n</c>. JSON object order is significant, and this dictionary keeps it
    /// (insertion order, never removed from).
    /// </summary>
    [JsonPropertyName("vlm_extra_tokens")]
    public IReadOnlyDictionary<string, string> VlmExtraTokens { get; init; } = DefaultExtraTokens();

    [JsonPropertyName("vlm_load_backbone_weights")] public bool VlmLoadBackboneWeights { get; init; } = true;
    [JsonPropertyName("vlm_checkpoint_path")] public string VlmCheckpointPath { get; init; } = "checkpoints";
    [JsonPropertyName("hf_repo_name")] public string HfRepoName { get; init; } = "nanoVLM";

    // ---- Derived values (not serialised) ----
    [JsonIgnore] public int VitPatchesPerSide => VitPatchSize > 0 ? VitImgSize / VitPatchSize : 0;
    [JsonIgnore] public int VitNumPatches => VitPatchesPerSide * VitPatchesPerSide;
    [JsonIgnore] public int VitHeadDim => VitNHeads > 0 ? VitHiddenDim / VitNHeads : 0;
    [JsonIgnore] public int LmHeadDim => LmNHeads > 0 ? LmHiddenDim / LmNHeads : 0;

    /// <summary>
    /// The id of <c>&lt;|image|&gt;</c>: base vocabulary size plus the position of <c>image_token</c> among the
    /// extra tokens (0 in every nanoVLM config, so <c>lm_base_vocab_size</c>).
    /// </summary>
    [JsonIgnore]
    public long ImageTokenId
    {
        get
        {
            var index = 0;
            foreach (var key in VlmExtraTokens.Keys)
            {
                if (key == "image_token") return LmBaseVocabSize + index;
                index++;
            }
            return LmBaseVocabSize;
        }
    }

    /// <summary>HEAD's extra tokens: image, global image, then the 8×8 grid tokens row-major.</summary>
    public static IReadOnlyDictionary<string, string> DefaultExtraTokens(int gridRows = 8, int gridColumns = 8)
    {
        var tokens = new Dictionary<string, string>
        {
            ["image_token"] = "<|image|>",
            ["global_image_token"] = "<|global_image|>",
        };
        for (var row = 1; row <= gridRows; row++)
        {
            for (var column = 1; column <= gridColumns; column++)
            {
                tokens[$"r{row}c{column}"] = $"<row_{row}_col_{column}>";
            }
        }
        return tokens;
    }

    /// <summary>All violations of the consistency rules; empty when the config is usable.</summary>
    public IReadOnlyList<string> Validate() => VlmConfigValidation.Check(this);

    /// <summary>Throws one <see cref="InvalidVlmConfigException"/> listing every violation.</summary>
    public VlmConfig EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0) throw new InvalidVlmConfigException(problems);
        return this;
    }
}
