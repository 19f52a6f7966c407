using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Training;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

/// <summary>
/// The from-scratch presets keep their vision tower at its random init, so the init alone decides whether the
/// decoder can tell pages apart (docs/training.md, "How the tiny preset learns to read the page").
/// </summary>
public sealed class FromScratchInitTests
{
    [Fact]
    public void Random_image_embeddings_differ_from_page_to_page_far_more_than_with_the_reference_init()
    {
        using var scope = NewDisposeScope();
        var config = TrainingPresets.TinyModel(VlmLoader.BuiltInBaseVocabSize);
        var pixels = EasyPagePixels(config, pages: 16);
        manual_seed(3);
        using var model = new VisionLanguageModel(config);
        model.eval();

        var ours = BetweenPageShare(model, pixels);

        // The reference's init: torch.rand position embedding and a zero-bias patch convolution.
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name == "vision_encoder.patch_embedding.position_embedding") parameter.uniform_(0, 1);
                else if (name == "vision_encoder.patch_embedding.conv.bias") parameter.zero_();
            }
        }
        var reference = BetweenPageShare(model, pixels);

        Assert.True(ours > 0.25, $"share of the image embeddings' variance that differs between pages: {ours:F3}");
        Assert.True(ours > 3 * reference, $"ours {ours:F3}, reference init {reference:F3}");
    }

    [Fact]
    public void The_patch_convolution_starts_centred_on_mid_grey()
    {
        var config = TrainingPresets.TinyModel(VlmLoader.BuiltInBaseVocabSize);
        manual_seed(5);
        using var model = new VisionLanguageModel(config);
        using var grey = full([1, 3, config.VitImgSize, config.VitImgSize], 0.5f);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var patches = nn.functional.conv2d(grey, parameters["vision_encoder.patch_embedding.conv.weight"],
            parameters["vision_encoder.patch_embedding.conv.bias"], strides: [config.VitPatchSize], padding: [0]);
        Assert.True(patches.abs().max().item<float>() < 1e-5f, "a mid-grey page should give zero patch features");
        var position = parameters["vision_encoder.patch_embedding.position_embedding"];
        Assert.InRange(position.mean().item<float>(), -0.005f, 0.005f);
        Assert.InRange(position.std().item<float>(), 0.015f, 0.025f);
    }

    /// <summary>
    /// Of the variance of the projector's output over all pages, token positions and channels, the share that is
    /// between pages (variance over pages at each position and channel, averaged).
    /// </summary>
    private static double BetweenPageShare(VisionLanguageModel model, Tensor pixels)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var embeddings = model.EncodeImages(pixels);                              // [pages, tokens, H]
        var between = embeddings.var(0).mean().item<float>();
        var total = embeddings.reshape(-1, embeddings.shape[^1]).var(0).mean().item<float>();
        return between / total;
    }

    private static Tensor EasyPagePixels(VlmConfig config, int pages)
    {
        var collator = TrainingBatchCollator.ForModel(config, BuiltInTokenizers.NanoVlmGpt2(), new CollatorOptions(128));
        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, seed: 11);
        var samples = Enumerable.Range(0, pages).Select(i => generator.Generate(SyntheticSplit.Val, i).ToVqaSample()).ToList();
        var batch = collator.Collate(samples);
        batch.InputIds.Dispose();
        batch.AttentionMask.Dispose();
        batch.Labels.Dispose();
        return batch.PixelValues!;
    }
}
