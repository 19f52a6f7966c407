using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Tests.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Checkpoints.HuggingFace;

public sealed class SiglipImportTests
{
    [Theory]
    [InlineData(VisionConfigStyle.DualEncoder)]
    [InlineData(VisionConfigStyle.VisionOnly)]
    [InlineData(VisionConfigStyle.Siglip2NaFlex)]
    public void VisionTowerComputesWhatTheSiglipWeightsCompute(VisionConfigStyle style)
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var dims = new VisionDims();
        var (vision, language, weights, _) = HfBackboneFixtures.WritePair(temp.Path, dims, style: style);

        var built = HfBackboneModelBuilder.Build(vision, language);
        using var model = built.Model;

        using var generator = new Generator(5);
        var pixels = rand([2, 3, dims.Image, dims.Image], generator: generator);
        using var noGrad = no_grad();
        var expected = HfReferenceForward.Siglip(weights, dims, pixels, naflex: style == VisionConfigStyle.Siglip2NaFlex);
        var actual = model.VisionEncoder.call(pixels);

        Assert.Equal(new long[] { 2, dims.Grid * dims.Grid, dims.Hidden }, actual.shape);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max |Δ| = {actual.sub(expected).abs().max().item<float>()}");
    }

    [Fact]
    public void QkvRowsAreQueryThenKeyThenValue()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var (vision, language, weights, _) = HfBackboneFixtures.WritePair(temp.Path);

        var built = HfBackboneModelBuilder.Build(vision, language);
        using var model = built.Model;
        var state = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());

        var d = new VisionDims().Hidden;
        var fused = state["vision_encoder.blocks.1.attn.qkv_proj.weight"];
        var bias = state["vision_encoder.blocks.1.attn.qkv_proj.bias"];
        string[] parts = ["q_proj", "k_proj", "v_proj"];
        for (var i = 0; i < 3; i++)
        {
            TensorAssert.Same(weights[$"vision_model.encoder.layers.1.self_attn.{parts[i]}.weight"], fused.narrow(0, i * d, d));
            TensorAssert.Same(weights[$"vision_model.encoder.layers.1.self_attn.{parts[i]}.bias"], bias.narrow(0, i * d, d));
        }
        TensorAssert.Same(weights["vision_model.embeddings.position_embedding.weight"].unsqueeze(0), state["vision_encoder.patch_embedding.position_embedding"]);
    }

    [Fact]
    public void ConfigTakesTheVisionFieldsAndDerivesTheImageTokenCount()
    {
        using var temp = new TempDirectory();
        var dims = new VisionDims(Hidden: 12, Inter: 20, Layers: 1, Heads: 3, Patch: 4, Image: 24); // 6×6 grid
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path, dims, style: VisionConfigStyle.VisionOnly);

        // HEAD's factor 4 does not divide 6: the largest factor below it that does (3) is used, with a warning.
        var built = HfBackboneModelBuilder.Build(vision, language);
        using var model = built.Model;
        var c = model.Config;
        Assert.Equal((12, 20, 4, 24, 3, 1, 1e-6), (c.VitHiddenDim, c.VitInterDim, c.VitPatchSize, c.VitImgSize, c.VitNHeads, c.VitNBlocks, c.VitLnEps));
        Assert.Equal("test/siglip-vision-tiny", c.VitModelType);
        Assert.Equal((3, 4), (c.MpPixelShuffleFactor, c.MpImageTokenLength));
        Assert.Contains(built.Warnings, w => w.Contains("mp_pixel_shuffle_factor 4", StringComparison.Ordinal));
        Assert.Empty(c.Validate());

        // An explicit factor wins.
        var two = HfBackboneModelBuilder.Build(vision, language, new HfImportOptions { PixelShuffleFactor = 2 });
        using var twoModel = two.Model;
        Assert.Equal((2, 9), (twoModel.Config.MpPixelShuffleFactor, twoModel.Config.MpImageTokenLength));
        Assert.DoesNotContain(two.Warnings, w => w.Contains("mp_pixel_shuffle_factor", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingFieldsTakeTheTransformersDefaults()
    {
        using var temp = new TempDirectory();
        var directory = System.IO.Path.Combine(temp.Path, "siglip");
        Directory.CreateDirectory(directory);
        // google/siglip-base-patch16-512's config.json lists little more than this.
        File.WriteAllText(System.IO.Path.Combine(directory, "config.json"),
            """{"model_type": "siglip", "text_config": {"model_type": "siglip_text_model"}, "vision_config": {"image_size": 512, "model_type": "siglip_vision_model"}}""");

        var config = SiglipVisionBackboneConfig.Read(directory);

        Assert.Equal((768, 3072, 12, 12, 16, 512, 1e-6), (config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers,
            config.NumAttentionHeads, config.PatchSize, config.ImageSize, config.LayerNormEps));
        Assert.Equal(SiglipPatchLayout.Convolution, config.PatchLayout);
        Assert.Equal("siglip", config.Name);
    }
}
