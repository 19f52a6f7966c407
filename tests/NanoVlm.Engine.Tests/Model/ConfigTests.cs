using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Tests.Model;

public sealed class ConfigTests
{
    [Fact]
    public void DefaultsAndPresetsAreValid()
    {
        Assert.Empty(new VlmConfig().Validate());
        foreach (var name in ModelPresets.Names)
        {
            var preset = ModelPresets.Get(name);
            Assert.Empty(preset.Validate());
            Assert.Equal(preset.LmBaseVocabSize, preset.ImageTokenId);
        }
        Assert.Equal(50257 + 66, ModelPresets.Tiny(baseVocabSize: 50257).LmVocabSize);
        Assert.Throws<ArgumentException>(() => ModelPresets.Get("huge"));
    }

    [Fact]
    public void ValidateReportsEveryViolationWithItsNumbers()
    {
        var config = TestConfigs.Micro() with
        {
            MpImageTokenLength = 5,  // (32/8)^2 / 2^2 = 4
            LmNHeads = 5,            // 32 % 5 != 0
            LmNKvHeads = 3,          // 5 % 3 != 0
            LmVocabSize = 170,       // 100 + 66 = 166
            VitNHeads = 3,           // 32 % 3 != 0
            LmNBlocks = 0,
        };

        var problems = config.Validate();

        Assert.Contains(problems, p => p.Contains("mp_image_token_length (5)", StringComparison.Ordinal) && p.Contains("= 4", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("lm_hidden_dim (32) must be divisible by lm_n_heads (5)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("lm_n_heads (5) must be divisible by lm_n_kv_heads (3)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("lm_vocab_size (170)", StringComparison.Ordinal) && p.Contains("= 166", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("vit_hidden_dim (32) must be divisible by vit_n_heads (3)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("lm_n_blocks must be positive", StringComparison.Ordinal));
        Assert.Equal(6, problems.Count);
    }

    [Fact]
    public void GeometryRulesCoverPatchesShuffleAndTokens()
    {
        var problems = (TestConfigs.Micro() with { VitImgSize = 36, ExtraTokenAmount = 3, LmVocabSize = 103, VitClsFlag = true }).Validate();
        Assert.Contains(problems, p => p.Contains("multiple of vit_patch_size", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("number of vlm_extra_tokens (66)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("vit_cls_flag", StringComparison.Ordinal));

        var oddShuffle = (TestConfigs.Micro() with { MpPixelShuffleFactor = 3 }).Validate();
        Assert.Contains(oddShuffle, p => p.Contains("divisible by mp_pixel_shuffle_factor (3)", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadingAnInvalidConfigThrowsOneExceptionListingAllProblems()
    {
        using var temp = new TempDirectory();
        var json = VlmConfigFile.ToJson(TestConfigs.Micro() with { MpImageTokenLength = 7, LmNKvHeads = 3 });
        File.WriteAllText(temp.File("config.json"), json);

        var error = Assert.Throws<InvalidVlmConfigException>(() => VlmConfigFile.Load(temp.Path));

        Assert.Equal(2, error.Problems.Count);
        Assert.Contains("mp_image_token_length", error.Message, StringComparison.Ordinal);
        Assert.Contains("lm_n_kv_heads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LegacyAndUnknownFieldsBecomeWarningsNotErrors()
    {
        var json = VlmConfigFile.ToJson(TestConfigs.Micro()).TrimEnd().TrimEnd('}') + ", \"lm_eos_token_id\": 0 }";
        var result = VlmConfigFile.Parse(json);

        Assert.Equal(166, result.Config.LmVocabSize);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("lm_eos_token_id", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFieldsAreFilledWithHeadDefaultsAndReported()
    {
        var result = VlmConfigFile.Parse("{\"lm_hidden_dim\": 576, \"lm_n_heads\": 9, \"lm_n_kv_heads\": 3}");
        Assert.Equal(576, result.Config.LmHiddenDim);
        Assert.Equal(768, result.Config.VitHiddenDim);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("max_img_size", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongValueTypeNamesTheField()
    {
        var error = Assert.Throws<InvalidVlmConfigException>(() => VlmConfigFile.Parse("{\"vit_hidden_dim\": \"wide\"}"));
        Assert.Contains("vit_hidden_dim", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidVlmConfigException>(() => VlmConfigFile.Parse("[1, 2]"));
        Assert.Throws<InvalidVlmConfigException>(() => VlmConfigFile.Parse("{ not json"));
    }

    [Fact]
    public void JsonRoundTripKeepsEveryFieldAndTheExtraTokenOrder()
    {
        var original = ModelPresets.Tiny() with { LmReBase = 10000.5, LmRmsEps = 1e-6, LmTieWeights = false };
        var json = VlmConfigFile.ToJson(original);
        var back = VlmConfigFile.Parse(json);

        Assert.Empty(back.Warnings);
        Assert.Equal(json, VlmConfigFile.ToJson(back.Config));
        Assert.Equal(original with { VlmExtraTokens = back.Config.VlmExtraTokens }, back.Config);
        Assert.Equal(original.VlmExtraTokens.Keys, back.Config.VlmExtraTokens.Keys);
        Assert.Equal(VlmConfigFile.FieldNames.Count, System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateObject().Count());
    }

    [ReferenceCaseFact]
    public void ReadsTheReferenceConfigWithoutWarningsAndWritesTheSameFields()
    {
        var file = Path.Combine(ReferenceCases.PathOf("basic-tied"), "model", "config.json");
        var text = File.ReadAllText(file);
        var result = VlmConfigFile.Load(file);

        Assert.Empty(result.Warnings);
        Assert.Equal(300, result.Config.ImageTokenId);
        Assert.Equal(96, result.Config.LmHiddenDim);
        using var reference = System.Text.Json.JsonDocument.Parse(text);
        using var written = System.Text.Json.JsonDocument.Parse(VlmConfigFile.ToJson(result.Config));
        Assert.Equal(
            reference.RootElement.EnumerateObject().Select(p => p.Name),
            written.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(reference.RootElement.GetProperty("lm_chat_template").GetString(), written.RootElement.GetProperty("lm_chat_template").GetString());
    }
}
