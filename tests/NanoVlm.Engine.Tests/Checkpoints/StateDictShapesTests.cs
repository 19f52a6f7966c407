using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Model;

namespace NanoVlm.Engine.Tests.Checkpoints;

public sealed class StateDictShapesTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Lists_exactly_what_a_saved_model_holds(bool tied)
    {
        var config = TestConfigs.Micro(tied) with { LmNKvHeads = 1, MpPixelShuffleFactor = 4, MpImageTokenLength = 1 };
        using var model = new VisionLanguageModel(config);
        using var scope = TorchSharp.torch.NewDisposeScope();

        var exported = NanoVlmCheckpoint.ExportStateDict(model);
        exported.Remove(NanoVlmCheckpoint.InverseFrequencyKey);
        var expected = StateDictShapes.For(config);

        Assert.Equal(exported.Keys.Order(StringComparer.Ordinal), expected.Select(e => e.Name).Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected) Assert.Equal(exported[name].shape, shape);
        Assert.Equal(ParameterCount.Of(config).Total, expected.Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void Gives_the_published_shapes_of_nanoVLM_460M()
    {
        var shapes = StateDictShapes.For(ModelPresets.NanoVlm460M()).ToDictionary(s => s.Name, s => s.Shape);

        // Spec §2.1.
        Assert.Equal([1L, 1024, 768], shapes["vision_encoder.patch_embedding.position_embedding"]);
        Assert.Equal([2304L, 768], shapes["vision_encoder.blocks.11.attn.qkv_proj.weight"]);
        Assert.Equal([320L, 960], shapes["decoder.blocks.31.attn.k_proj.weight"]);
        Assert.Equal([49218L, 960], shapes["decoder.head.weight"]);
        Assert.Equal([960L, 12288], shapes["MP.proj.weight"]);
        Assert.False(shapes.ContainsKey("decoder.token_embedding.weight"));
        Assert.Equal([32L], StateDictShapes.InverseFrequencyShape(ModelPresets.NanoVlm460M()));
    }
}
