using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Tests.Model;

public sealed class ParameterCountTests
{
    private static long CountOf(TorchSharp.torch.nn.Module module) => module.parameters().Sum(p => p.numel());

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ArithmeticMatchesInstantiatedModules(bool tied)
    {
        var config = TestConfigs.Micro(tied) with { LmNKvHeads = 1 };
        using var model = new VisionLanguageModel(config);
        var counted = ParameterCount.Of(config);

        Assert.Equal(CountOf(model.VisionEncoder), counted.VisionEncoder);
        Assert.Equal(CountOf(model.Projector), counted.ModalityProjector);
        Assert.Equal(CountOf(model.Decoder), counted.Decoder);
        Assert.Equal(CountOf(model), counted.Total);
    }

    [Fact]
    public void TinyPresetCountMatchesItsModule()
    {
        var config = ModelPresets.Tiny();
        using var model = new VisionLanguageModel(config);
        Assert.Equal(CountOf(model), ParameterCount.Of(config).Total);
    }

    [Fact]
    public void VisionEncoderWithClsTokenIsCountedToo()
    {
        var config = TestConfigs.Micro() with { VitClsFlag = true };
        using var vit = new VisionTransformer(config);
        Assert.Equal(CountOf(vit), ParameterCount.VisionEncoder(config));
    }

    [Fact]
    public void LargePresetsMatchThePublishedSizes()
    {
        // Spec §1.1: nanoVLM-460M = 86,433,024 + 11,796,480 + 361,884,480 = 460,113,984.
        var large = ParameterCount.Of(ModelPresets.NanoVlm460M());
        Assert.Equal(86_433_024, large.VisionEncoder);
        Assert.Equal(11_796_480, large.ModalityProjector);
        Assert.Equal(361_884_480, large.Decoder);
        Assert.Equal(460_113_984, large.Total);

        // v0.1 dimensions: SigLIP-B/16-224 85,797,120 and MP 1,769,472; SmolLM2-135M with 49218 rows 134,553,024.
        var small = ParameterCount.Of(ModelPresets.NanoVlm222M());
        Assert.Equal(85_797_120, small.VisionEncoder);
        Assert.Equal(1_769_472, small.ModalityProjector);
        Assert.Equal(134_553_024, small.Decoder);
    }
}
