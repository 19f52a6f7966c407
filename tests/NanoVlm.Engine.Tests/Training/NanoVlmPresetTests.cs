using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>The nanoVLM-222M and nanoVLM-460M training presets against nanoVLM's own settings (spec §1.6, §4).</summary>
public sealed class NanoVlmPresetTests
{
    [Theory]
    [InlineData("nanoVLM-222M")]
    [InlineData("nanoVLM-460M")]
    [InlineData("NANOVLM-460M")]
    public void Are_listed_and_valid_with_SmolLM2s_and_the_built_in_vocabulary(string name)
    {
        Assert.Contains(name, TrainingPresets.Names, StringComparer.OrdinalIgnoreCase);
        Assert.Empty(TrainingPresets.Get(name).Validate());
        Assert.Empty(TrainingPresets.Get(name, VlmLoader.BuiltInBaseVocabSize).Validate());
        Assert.Equal(49218, TrainingPresets.Get(name).ResolveModel().LmVocabSize);
    }

    [Fact]
    public void NanoVlm460M_uses_nanoVLM_HEADs_model_and_train_config()
    {
        var preset = TrainingPresets.Get(ModelPresets.NanoVlm460MName);

        Assert.Equal(460_113_984, ParameterCount.Of(preset.ResolveModel()).Total);
        Assert.Equal((5.12e-3, 5e-5, 5e-5), (preset.LrMp, preset.LrVision, preset.LrLanguage));
        Assert.Equal((2, 8, 4096, 1.0), (preset.BatchSize, preset.GradAccum, preset.MaxLength, preset.MaxGradNorm));
        Assert.Equal((40_000, 500, 0.03, 0.1, 0.01), (preset.MaxSteps, preset.EvalInterval, preset.WarmupFraction, preset.MinLrFraction, preset.WeightDecay));
        Assert.Equal((2048, true, 512), (preset.ResolveModel().MaxImgSize, preset.ResolveModel().ResizeToMaxSideLen, preset.ResolveModel().VitImgSize));

        // A DocVQA page (1700×2200) becomes 4×4 tiles and a global view: 17 × 65 = 1105 image tokens, within max_length.
        var encoder = SampleEncoder.ForModel(preset.ResolveModel(), SmolLm2ShapedTokenizer(), new CollatorOptions(preset.MaxLength));
        Assert.Equal((4, 4), encoder.GridFor(1700, 2200));
        Assert.Equal(1105, encoder.ImageTokenCount([(1700, 2200)]));
        encoder.EnsureImagesFit([(1700, 2200)]);
    }

    [Fact]
    public void NanoVlm222M_uses_the_v0_1_settings_with_one_224_px_view_per_image()
    {
        var preset = TrainingPresets.Get(ModelPresets.NanoVlm222MName);

        Assert.Equal((85_797_120L, 1_769_472L), (ParameterCount.Of(preset.ResolveModel()).VisionEncoder, ParameterCount.Of(preset.ResolveModel()).ModalityProjector));
        Assert.Equal((2e-3, 1e-4, 1e-4), (preset.LrMp, preset.LrVision, preset.LrLanguage));
        Assert.Equal(256, preset.BatchSize * preset.GradAccum); // v0.1's 256 samples per optimizer step
        Assert.Equal((128, 0.0, 250), (preset.MaxLength, preset.MaxGradNorm, preset.EvalInterval));

        var encoder = SampleEncoder.ForModel(preset.ResolveModel(), SmolLm2ShapedTokenizer(), new CollatorOptions(preset.MaxLength));
        Assert.Equal((1, 1), encoder.GridFor(1700, 2200));
        Assert.Equal(50, encoder.ImageTokenCount([(1700, 2200)])); // global marker + 49
    }

    [Fact]
    public void NanoVlm222M_cuts_a_page_into_one_whole_tile()
    {
        // With max_img_size 1024 (not a multiple of the 224 px tile) the page was resized to 1024 px and could not be cut.
        var config = ModelPresets.NanoVlm222M();
        var processor = new NanoVlmImageProcessor(new ImageProcessorSettings(config.VitImgSize, config.MaxImgSize, config.ResizeToMaxSideLen));
        using var page = new Image<Rgb24>(340, 440, new Rgb24(250, 250, 250));
        using var scope = TorchSharp.torch.NewDisposeScope();

        using var processed = processor.Process(page);

        Assert.Equal([1L, 3, 224, 224], processed.PixelValues.shape);
    }

    private static NanoVlmTokenizer SmolLm2ShapedTokenizer() => NanoVlmTokenizer.Create(Text.SyntheticTokenizerJson.SmolLm2Layout());
}
