using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Model;

namespace NanoVlm.Engine.Tests.Checkpoints.HuggingFace;

/// <summary>
/// The config.json files of the backbones nanoVLM uses (as published on the Hub, which leave most SigLIP fields to
/// transformers' defaults) give the nanoVLM dimensions and parameter counts of the spec (§1.1).
/// </summary>
public sealed class RealBackboneConfigTests
{
    private const string Siglip2Base512 =
        """{"initializer_factor": 1.0, "model_type": "siglip", "text_config": {"model_type": "siglip_text_model", "vocab_size": 256000}, "transformers_version": "4.49.0.dev0", "vision_config": {"image_size": 512, "model_type": "siglip_vision_model"}}""";

    private const string SiglipBase224 =
        """{"architectures": ["SiglipModel"], "initializer_factor": 1.0, "model_type": "siglip", "text_config": {"hidden_size": 768, "intermediate_size": 3072, "model_type": "siglip_text_model", "num_attention_heads": 12, "vocab_size": 32000}, "transformers_version": "4.37.0.dev0", "vision_config": {"model_type": "siglip_vision_model", "patch_size": 16}}""";

    private static string SmolLm2(int hidden, int intermediate, int heads, int kvHeads, int layers) =>
        $$"""{"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": {{hidden}}, "initializer_range": 0.02, "intermediate_size": {{intermediate}}, "is_llama_config": true, "max_position_embeddings": 8192, "model_type": "llama", "num_attention_heads": {{heads}}, "num_hidden_layers": {{layers}}, "num_key_value_heads": {{kvHeads}}, "pad_token_id": 2, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_interleaved": false, "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.42.3", "use_cache": true, "vocab_size": 49152}""";

    private static (string Vision, string Language) Folders(TempDirectory temp, string visionConfig, string languageConfig)
    {
        var vision = temp.File("vision");
        var language = temp.File("language");
        Directory.CreateDirectory(vision);
        Directory.CreateDirectory(language);
        File.WriteAllText(Path.Combine(vision, "config.json"), visionConfig);
        File.WriteAllText(Path.Combine(language, "config.json"), languageConfig);
        return (vision, language);
    }

    [Fact]
    public void Siglip2Base512AndSmolLm2_360MGiveNanoVlmHeadDefaults()
    {
        using var temp = new TempDirectory();
        var (vision, language) = Folders(temp, Siglip2Base512, SmolLm2(960, 2560, 15, 5, 32));

        var result = HfBackboneModelBuilder.ReadConfig(vision, language);

        var head = ModelPresets.NanoVlm460M();
        var config = result.Config with { VitModelType = head.VitModelType, LmModelType = head.LmModelType, LmTokenizer = head.LmTokenizer };
        Assert.Equal(VlmConfigFile.ToJson(head), VlmConfigFile.ToJson(config));
        Assert.Equal(460_113_984, ParameterCount.Of(result.Config).Total);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void SiglipBase224AndSmolLm2_135MGiveThe222MDimensions()
    {
        using var temp = new TempDirectory();
        var (vision, language) = Folders(temp, SiglipBase224, SmolLm2(576, 1536, 9, 3, 30));

        var result = HfBackboneModelBuilder.ReadConfig(vision, language);
        var c = result.Config;

        // SigLIP-224/16 has a 14×14 grid: HEAD's shuffle factor 4 does not fit, 2 does (49 tokens, as in v0.1).
        Assert.Equal((2, 49), (c.MpPixelShuffleFactor, c.MpImageTokenLength));
        Assert.Contains(result.Warnings, w => w.Contains("mp_pixel_shuffle_factor 4", StringComparison.Ordinal));
        var preset = ModelPresets.NanoVlm222M();
        Assert.Equal(ParameterCount.Of(preset), ParameterCount.Of(c));
        Assert.Equal((224, 16, 768, 12, 12), (c.VitImgSize, c.VitPatchSize, c.VitHiddenDim, c.VitNHeads, c.VitNBlocks));
        Assert.Equal((576, 1536, 9, 3, 30, 100000.0, 1e-5), (c.LmHiddenDim, c.LmInterDim, c.LmNHeads, c.LmNKvHeads, c.LmNBlocks, c.LmReBase, c.LmRmsEps));
        Assert.Equal(49218, c.LmVocabSize);
    }
}
