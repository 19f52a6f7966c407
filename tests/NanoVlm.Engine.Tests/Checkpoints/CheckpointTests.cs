using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Checkpoints;

public sealed class CheckpointTests
{
    private static Tensor LogitsOf(VisionLanguageModel model, VlmConfig config)
    {
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 3], length: 12, seed: 41);
        using var noGrad = no_grad();
        return model.Logits(model.Forward(ids, pixels, mask));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SaveThenLoadGivesIdenticalLogits(bool tied)
    {
        manual_seed(40);
        var config = TestConfigs.Micro(tied);
        using var temp = new TempDirectory();
        using var original = new VisionLanguageModel(config);
        original.eval();
        using var scope = NewDisposeScope();
        var before = LogitsOf(original, config);

        NanoVlmCheckpoint.Save(original, temp.File("ckpt"));
        var loaded = NanoVlmCheckpoint.Load(temp.File("ckpt"));
        using var model = loaded.Model;

        Assert.Empty(loaded.Warnings);
        TensorAssert.Same(before, LogitsOf(model, config));
        Assert.Equal(original.Decoder.Rotary.InverseFrequencies, model.Decoder.Rotary.InverseFrequencies);
    }

    [ReferenceCaseTheory]
    [MemberData(nameof(ReferenceParityTests.Cases), MemberType = typeof(ReferenceParityTests))]
    public void SavedFileHasExactlyTheReferenceKeysShapesAndDtypes(string caseName)
    {
        var modelDir = Path.Combine(ReferenceCases.PathOf(caseName), "model");
        var config = VlmConfigFile.Load(modelDir).Config;
        using var temp = new TempDirectory();
        using var model = new VisionLanguageModel(config);

        NanoVlmCheckpoint.Save(model, temp.File("ckpt"));

        static IEnumerable<string> Describe(string file) => SafeTensors.ReadHeader(file).Entries
            .Select(e => $"{e.Name} {e.DType} [{string.Join(",", e.Shape)}]").Order(StringComparer.Ordinal);
        Assert.Equal(Describe(Path.Combine(modelDir, "model.safetensors")), Describe(Path.Combine(temp.File("ckpt"), "model.safetensors")));
    }

    [ReferenceCaseFact]
    public void LoadsTheReferenceCheckpointWithoutWarnings()
    {
        var loaded = NanoVlmCheckpoint.Load(Path.Combine(ReferenceCases.PathOf("basic-tied"), "model"));
        using var model = loaded.Model;
        Assert.Empty(loaded.Warnings);
        Assert.True(model.Decoder.TiedHead);
        Assert.False(model.training);
    }

    [Fact]
    public void TiedWeightsLoadFromEitherNameOrBothWhenTheyAgree()
    {
        manual_seed(42);
        var config = TestConfigs.Micro(tied: true);
        using var source = new VisionLanguageModel(config);
        using var target = new VisionLanguageModel(config);
        using var scope = NewDisposeScope();
        var state = NanoVlmCheckpoint.ExportStateDict(source);
        var matrix = state[NanoVlmCheckpoint.HeadKey];

        var embeddingName = new Dictionary<string, Tensor>(state);
        embeddingName.Remove(NanoVlmCheckpoint.HeadKey);
        embeddingName[NanoVlmCheckpoint.EmbeddingKey] = matrix;
        NanoVlmCheckpoint.ImportStateDict(target, embeddingName);
        TensorAssert.Same(matrix, target.Decoder.TokenEmbeddingWeight.detach());

        var bothNames = new Dictionary<string, Tensor>(state) { [NanoVlmCheckpoint.EmbeddingKey] = matrix };
        NanoVlmCheckpoint.ImportStateDict(target, bothNames);

        var disagreeing = new Dictionary<string, Tensor>(state) { [NanoVlmCheckpoint.EmbeddingKey] = matrix + 1 };
        var error = Assert.Throws<CheckpointMismatchException>(() => NanoVlmCheckpoint.ImportStateDict(target, disagreeing));
        Assert.Contains("differ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneErrorListsEveryMissingUnexpectedAndMisShapedTensor()
    {
        manual_seed(43);
        var config = TestConfigs.Micro(tied: false);
        using var model = new VisionLanguageModel(config);
        using var scope = NewDisposeScope();
        var state = NanoVlmCheckpoint.ExportStateDict(model);
        state.Remove("MP.proj.weight");
        state.Remove("decoder.blocks.1.norm2.weight");
        state["decoder.blocks.9.attn.q_proj.weight"] = zeros(32, 32);
        state["vision_encoder.layer_norm.weight"] = zeros(31);
        state["decoder.head.weight"] = zeros(166, 32, dtype: ScalarType.Int64);

        var error = Assert.Throws<CheckpointMismatchException>(() => NanoVlmCheckpoint.ImportStateDict(model, state, "test.safetensors"));

        Assert.Equal(["MP.proj.weight", "decoder.blocks.1.norm2.weight"], error.Missing.Order(StringComparer.Ordinal));
        Assert.Equal(["decoder.blocks.9.attn.q_proj.weight"], error.Unexpected);
        Assert.Equal(2, error.Mismatched.Count);
        Assert.Contains(error.Mismatched, m => m.StartsWith("vision_encoder.layer_norm.weight: shape [31]", StringComparison.Ordinal));
        Assert.Contains(error.Mismatched, m => m.StartsWith("decoder.head.weight: dtype Int64", StringComparison.Ordinal));
        Assert.Contains("test.safetensors", error.Message, StringComparison.Ordinal);
        foreach (var name in new[] { "MP.proj.weight", "decoder.blocks.1.norm2.weight", "decoder.blocks.9.attn.q_proj.weight", "vision_encoder.layer_norm.weight" })
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InverseFrequencyIsOptionalAndADisagreeingOneIsReported()
    {
        manual_seed(44);
        using var model = new VisionLanguageModel(TestConfigs.Micro());
        using var scope = NewDisposeScope();
        var state = NanoVlmCheckpoint.ExportStateDict(model);

        var withoutInvFreq = new Dictionary<string, Tensor>(state);
        withoutInvFreq.Remove(NanoVlmCheckpoint.InverseFrequencyKey);
        Assert.Contains(NanoVlmCheckpoint.ImportStateDict(model, withoutInvFreq), w => w.Contains("recomputed", StringComparison.Ordinal));

        var custom = state[NanoVlmCheckpoint.InverseFrequencyKey].mul(0.5f);
        var warnings = NanoVlmCheckpoint.ImportStateDict(model, new Dictionary<string, Tensor>(state) { [NanoVlmCheckpoint.InverseFrequencyKey] = custom });
        Assert.Contains(warnings, w => w.Contains("differs from what lm_re_base", StringComparison.Ordinal));
        Assert.Equal(custom.data<float>().ToArray(), model.Decoder.Rotary.InverseFrequencies);
    }

    [Fact]
    public void SavingReplacesAnExistingCheckpointAndLeavesNoStagingFolders()
    {
        manual_seed(45);
        using var temp = new TempDirectory();
        var target = temp.File("ckpt");
        using (var first = new VisionLanguageModel(TestConfigs.Micro())) NanoVlmCheckpoint.Save(first, target);
        File.WriteAllText(Path.Combine(target, "stale.txt"), "from an older save");

        using var second = new VisionLanguageModel(TestConfigs.Micro(tied: false));
        NanoVlmCheckpoint.Save(second, target);

        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(target).Select(Path.GetFileName).Order());
        Assert.False(VlmConfigFile.Load(target).Config.LmTieWeights);
        Assert.Equal(["ckpt"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AFailedSaveLeavesWhatWasThereAndNoHalfWrittenFolder()
    {
        using var temp = new TempDirectory();
        var target = temp.File("ckpt");
        File.WriteAllText(target, "a file is in the way"); // the final rename must fail
        using var model = new VisionLanguageModel(TestConfigs.Micro());

        Assert.ThrowsAny<IOException>(() => NanoVlmCheckpoint.Save(model, target));

        Assert.Equal("a file is in the way", File.ReadAllText(target));
        Assert.Equal(["ckpt"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void LoadingReportsInvalidConfigsAndMissingFiles()
    {
        using var temp = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => NanoVlmCheckpoint.Load(temp.Path));
        VlmConfigFile.Save(TestConfigs.Micro(), temp.File("config.json"));
        Assert.Throws<FileNotFoundException>(() => NanoVlmCheckpoint.Load(temp.Path));
        VlmConfigFile.Save(TestConfigs.Micro() with { LmNKvHeads = 3, MpImageTokenLength = 9 }, temp.File("config.json"));
        var error = Assert.Throws<InvalidVlmConfigException>(() => NanoVlmCheckpoint.Load(temp.Path));
        Assert.Equal(2, error.Problems.Count);
    }
}
