using System.Text.Json.Nodes;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Tests.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Checkpoints.HuggingFace;

public sealed class HfBackboneErrorTests
{
    private static string WriteVision(string root, Action<Dictionary<string, Tensor>>? editTensors = null, Action<JsonObject>? editConfig = null)
    {
        var dims = new VisionDims();
        var tensors = HfBackboneFixtures.SiglipTensors(dims, VisionConfigStyle.DualEncoder, seed: 1);
        editTensors?.Invoke(tensors);
        var config = HfBackboneFixtures.SiglipConfig(dims, VisionConfigStyle.DualEncoder);
        editConfig?.Invoke(config);
        var directory = Path.Combine(root, "siglip");
        HfBackboneFixtures.Write(directory, config, tensors);
        return directory;
    }

    private static string WriteLanguage(string root, LanguageDims? dims = null, Action<Dictionary<string, Tensor>>? editTensors = null,
        Action<JsonObject>? editConfig = null, int shards = 1)
    {
        dims ??= new LanguageDims();
        var tensors = HfBackboneFixtures.LlamaTensors(dims, seed: 2);
        editTensors?.Invoke(tensors);
        var config = HfBackboneFixtures.LlamaConfig(dims);
        editConfig?.Invoke(config);
        var directory = Path.Combine(root, "llama");
        HfBackboneFixtures.Write(directory, config, tensors, shards);
        return directory;
    }

    [Fact]
    public void EveryBadVisionTensorIsListedInOneErrorWithItsFile()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var vision = WriteVision(temp.Path, t =>
        {
            t.Remove("vision_model.encoder.layers.1.self_attn.k_proj.weight");
            t.Remove("vision_model.post_layernorm.bias");
            t["vision_model.encoder.layers.0.mlp.fc1.weight"] = zeros(7, 16);
            t["vision_model.encoder.layers.2.layer_norm1.weight"] = ones(16); // a layer the config does not have
        });
        var language = WriteLanguage(temp.Path);

        var error = Assert.Throws<HfBackboneTensorMismatchException>(() => HfBackboneModelBuilder.Build(vision, language));

        Assert.Equal(2, error.Missing.Count);
        Assert.Contains(error.Missing, m => m.StartsWith("vision_model.encoder.layers.1.self_attn.k_proj.weight [16, 16]", StringComparison.Ordinal));
        Assert.Contains(error.Missing, m => m.StartsWith("vision_model.post_layernorm.bias", StringComparison.Ordinal));
        var mismatch = Assert.Single(error.Mismatched);
        Assert.Contains("vision_model.encoder.layers.0.mlp.fc1.weight in model.safetensors: shape [7, 16], the config implies [24, 16]", mismatch, StringComparison.Ordinal);
        var unexpected = Assert.Single(error.Unexpected);
        Assert.StartsWith("vision_model.encoder.layers.2.layer_norm1.weight [16] in model.safetensors", unexpected, StringComparison.Ordinal);
        Assert.Contains(vision, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadLanguageTensorsNameTheirShard()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var vision = WriteVision(temp.Path);
        var language = WriteLanguage(temp.Path, editTensors: t => t["model.layers.0.self_attn.k_proj.weight"] = zeros(16, 16), shards: 3);

        var error = Assert.Throws<HfBackboneTensorMismatchException>(() => HfBackboneModelBuilder.Build(vision, language));

        var mismatch = Assert.Single(error.Mismatched);
        Assert.Matches(@"^model\.layers\.0\.self_attn\.k_proj\.weight in model-0000\d-of-00003\.safetensors: shape \[16, 16\], the config implies \[8, 16\]$", mismatch);
    }

    [Fact]
    public void ProblemsInBothBackbonesComeInOneError()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var vision = WriteVision(temp.Path, t => t.Remove("vision_model.post_layernorm.weight"));
        var language = WriteLanguage(temp.Path, editTensors: t => t.Remove("model.norm.weight"));

        var error = Assert.Throws<HfBackboneTensorMismatchException>(() => HfBackboneModelBuilder.Build(vision, language));

        Assert.Equal(2, error.Missing.Count);
        Assert.Contains(vision, error.Message, StringComparison.Ordinal);
        Assert.Contains(language, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UntiedConfigWithoutLmHeadIsAMissingTensor()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var vision = WriteVision(temp.Path);
        var language = WriteLanguage(temp.Path, new LanguageDims(Tied: false), t => t.Remove("lm_head.weight"));

        var error = Assert.Throws<HfBackboneTensorMismatchException>(() => HfBackboneModelBuilder.Build(vision, language));

        Assert.StartsWith("lm_head.weight [40, 16]", Assert.Single(error.Missing), StringComparison.Ordinal);
    }

    [Fact]
    public void NonFloatingPointTensorsAreRejected()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var vision = WriteVision(temp.Path);
        var language = WriteLanguage(temp.Path, editTensors: t => t["model.norm.weight"] = ones([16], dtype: ScalarType.Int64));

        var error = Assert.Throws<HfBackboneTensorMismatchException>(() => HfBackboneModelBuilder.Build(vision, language));

        Assert.Contains("model.norm.weight in model.safetensors: dtype I64", Assert.Single(error.Mismatched), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vision", "clip")]
    [InlineData("vision", "idefics3_vision")]
    [InlineData("language", "qwen2")]
    [InlineData("language", "gpt2")]
    public void UnsupportedModelTypesAreNamed(string which, string modelType)
    {
        using var temp = new TempDirectory();
        void SetType(JsonObject config) => config["model_type"] = modelType;
        var vision = WriteVision(temp.Path, editConfig: which == "vision" ? SetType : null);
        var language = WriteLanguage(temp.Path, editConfig: which == "language" ? SetType : null);

        var error = Assert.Throws<UnsupportedHfBackboneException>(() => HfBackboneModelBuilder.Build(vision, language));

        Assert.Equal(modelType, error.ModelType);
        Assert.Contains($"'{modelType}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(which == "vision" ? "SigLIP" : "Llama", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LlamaFeaturesNanoVlmLacksAreAllListed()
    {
        using var temp = new TempDirectory();
        var vision = WriteVision(temp.Path);
        var language = WriteLanguage(temp.Path, editConfig: c =>
        {
            c["attention_bias"] = true;
            c["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0 };
            c["hidden_act"] = "gelu";
            c["head_dim"] = 8;
        });

        var error = Assert.Throws<UnsupportedHfBackboneException>(() => HfBackboneModelBuilder.Build(vision, language));

        Assert.Equal(4, error.Reasons.Count);
        Assert.Contains(error.Reasons, r => r.Contains("attention_bias", StringComparison.Ordinal));
        Assert.Contains(error.Reasons, r => r.Contains("llama3", StringComparison.Ordinal));
        Assert.Contains(error.Reasons, r => r.Contains("hidden_act is 'gelu'", StringComparison.Ordinal));
        Assert.Contains(error.Reasons, r => r.Contains("head_dim is 8", StringComparison.Ordinal));
    }

    [Fact]
    public void SiglipWithAnotherActivationIsUnsupported()
    {
        using var temp = new TempDirectory();
        var vision = WriteVision(temp.Path, editConfig: c => c["vision_config"]!["hidden_act"] = "quick_gelu");

        var error = Assert.Throws<UnsupportedHfBackboneException>(() => SiglipVisionBackboneConfig.Read(vision));

        Assert.Contains("quick_gelu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingShardFilesAreNamed()
    {
        using var temp = new TempDirectory();
        var vision = WriteVision(temp.Path);
        var language = WriteLanguage(temp.Path, shards: 3);
        File.Delete(Path.Combine(language, "model-00002-of-00003.safetensors"));

        var error = Assert.Throws<HfBackboneFormatException>(() => HfBackboneModelBuilder.Build(vision, language));

        Assert.Contains("model-00002-of-00003.safetensors (holds", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("model-00001-of-00003", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StaleIndexIsReported()
    {
        using var temp = new TempDirectory();
        var language = WriteLanguage(temp.Path, shards: 2);
        var indexPath = Path.Combine(language, "model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        index["weight_map"]!["model.norm.weight"] = "model-00002-of-00002.safetensors" == index["weight_map"]!["model.norm.weight"]!.GetValue<string>()
            ? "model-00001-of-00002.safetensors"
            : "model-00002-of-00002.safetensors";
        index["weight_map"]!["model.layers.9.mlp.up_proj.weight"] = "model-00001-of-00002.safetensors";
        File.WriteAllText(indexPath, index.ToJsonString());

        var error = Assert.Throws<HfBackboneFormatException>(() => HfWeightsFolder.Open(language));

        Assert.Contains("model.norm.weight: model.safetensors.index.json places it in", error.Message, StringComparison.Ordinal);
        Assert.Contains("model.layers.9.mlp.up_proj.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShardNamesMustStayInTheFolder()
    {
        using var temp = new TempDirectory();
        var language = WriteLanguage(temp.Path, shards: 2);
        var indexPath = Path.Combine(language, "model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        index["weight_map"]!["model.norm.weight"] = "../siglip/model.safetensors";
        File.WriteAllText(indexPath, index.ToJsonString());

        var error = Assert.Throws<HfBackboneFormatException>(() => HfWeightsFolder.Open(language));

        Assert.Contains("not a shard file name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFilesAndBadFieldsAreFormatErrors()
    {
        using var temp = new TempDirectory();
        var empty = temp.File("empty");
        Directory.CreateDirectory(empty);
        Assert.Contains("no config.json", Assert.Throws<HfBackboneFormatException>(() => LlamaBackboneConfig.Read(empty)).Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => LlamaBackboneConfig.Read(temp.File("absent")));

        File.WriteAllText(Path.Combine(empty, "config.json"), """{"model_type": "llama", "hidden_size": "big"}""");
        var badField = Assert.Throws<HfBackboneFormatException>(() => LlamaBackboneConfig.Read(empty));
        Assert.Contains("'hidden_size' must be an integer", badField.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(empty, "config.json"), """{"hidden_size": 16}""");
        Assert.Contains("no model_type", Assert.Throws<HfBackboneFormatException>(() => LlamaBackboneConfig.Read(empty)).Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(empty, "pytorch_model.bin"), "");
        var noWeights = Assert.Throws<HfBackboneFormatException>(() => HfWeightsFolder.Open(empty));
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", noWeights.Message, StringComparison.Ordinal);
        Assert.Contains("PyTorch .bin", noWeights.Message, StringComparison.Ordinal);
    }
}
