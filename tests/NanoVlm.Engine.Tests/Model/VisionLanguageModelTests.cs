using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

public sealed class VisionLanguageModelTests
{
    [Fact]
    public void ImageEmbeddingsFillPlaceholdersInRowMajorOrder()
    {
        manual_seed(21);
        var config = TestConfigs.Micro();
        using var model = new VisionLanguageModel(config);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, _, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 2], length: 10, seed: 22);

        var merged = model.EmbedInputs(ids, pixels);          // [2, 10, 32]
        var images = model.EncodeImages(pixels);              // [2, 4, 32]
        var tokens = model.Decoder.EmbedTokens(ids);

        // Row 0: placeholders at 1..4 get image 0; row 1 (2 pads): placeholders at 3..6 get image 1.
        TensorAssert.Same(merged[0, 1..5], images[0]);
        TensorAssert.Same(merged[1, 3..7], images[1]);
        TensorAssert.Same(merged[0, 5..], tokens[0, 5..]);
        TensorAssert.Same(merged[1, ..3], tokens[1, ..3]);
    }

    [Fact]
    public void TextOnlySamplesNeedNoImagesAndMismatchedCountsFailClearly()
    {
        manual_seed(23);
        var config = TestConfigs.Micro();
        using var model = new VisionLanguageModel(config);
        using var scope = NewDisposeScope();
        var text = TestConfigs.RandomText(2, 8, seed: 24);

        var hidden = model.Forward(text, null, null);
        Assert.Equal(new long[] { 2, 8, 32 }, hidden.shape);
        TensorAssert.Same(model.EmbedInputs(text, zeros(0, 3, 32, 32)), model.Decoder.EmbedTokens(text));

        var (ids, _, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 0], length: 8, seed: 25);
        var noImages = Assert.Throws<ArgumentException>(() => model.EmbedInputs(ids, null));
        Assert.Contains("8 image placeholder tokens", noImages.Message, StringComparison.Ordinal);
        var tooFew = Assert.Throws<ArgumentException>(() => model.EmbedInputs(ids, pixels[..1]));
        Assert.Contains("1 image(s)", tooFew.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.EncodeImages(zeros(1, 3, 16, 16)));
    }

    [Fact]
    public void LossIsTheMeanCrossEntropyOverLabelledPositions()
    {
        manual_seed(26);
        using var model = new VisionLanguageModel(TestConfigs.Micro(tied: false));
        using var scope = NewDisposeScope();
        var ids = TestConfigs.RandomText(2, 6, seed: 27);
        var labels = tensor(new long[,] { { -100, 5, 6, -100, 7, -100 }, { -100, -100, 8, 9, -100, 10 } });

        var hidden = model.Forward(ids, null, null);
        var loss = model.Loss(hidden, labels);
        var logits = model.Logits(hidden);
        var reference = nn.functional.cross_entropy(logits.reshape(-1, 166), labels.reshape(-1), ignore_index: -100);

        Assert.Equal(ScalarType.Float32, loss.dtype);
        Assert.Equal(reference.item<float>(), loss.item<float>(), 1e-6f);

        var none = model.Loss(hidden, full(2, 6, -100L));
        Assert.Equal(0f, none.item<float>());
        none.backward(); // an all-ignored batch still gives a usable (zero) graph, not NaN
    }

    [Fact]
    public void TiedHeadIsTheEmbeddingAndUntiedHeadIsItsOwnMatrix()
    {
        using var tied = new VisionLanguageModel(TestConfigs.Micro(tied: true));
        using var untied = new VisionLanguageModel(TestConfigs.Micro(tied: false));

        Assert.Same(tied.Decoder.TokenEmbeddingWeight, tied.Decoder.HeadWeight);
        Assert.Same(tied.Decoder.TokenEmbeddingWeight, tied.Decoder.TokenEmbeddingWeight);
        Assert.DoesNotContain(tied.named_parameters(), p => p.name == NanoVlmCheckpoint.HeadKey);
        Assert.NotSame(untied.Decoder.TokenEmbeddingWeight, untied.Decoder.HeadWeight);
        Assert.Contains(untied.named_parameters(), p => p.name == NanoVlmCheckpoint.HeadKey);

        using var scope = NewDisposeScope();
        var hidden = randn(1, 3, 32);
        Assert.True(tied.Logits(hidden).allclose(hidden.matmul(tied.Decoder.TokenEmbeddingWeight.t())));
    }

    [Fact]
    public void GroupedKvHeadsServeConsecutiveQueryHeads()
    {
        // A GQA model equals a multi-head model whose K/V projections repeat each KV head for its group
        // (query head h uses KV head h / groups, PyTorch's repeat_interleave).
        manual_seed(28);
        var gqaConfig = TestConfigs.Micro(); // 4 query heads, 2 KV heads, head_dim 8
        using var gqa = new VisionLanguageModel(gqaConfig);
        using var mha = new VisionLanguageModel(gqaConfig with { LmNKvHeads = 4 });
        using var scope = NewDisposeScope();
        var state = NanoVlmCheckpoint.ExportStateDict(gqa);
        foreach (var key in state.Keys.Where(k => k.StartsWith("decoder.", StringComparison.Ordinal) && (k.EndsWith(".k_proj.weight", StringComparison.Ordinal) || k.EndsWith(".v_proj.weight", StringComparison.Ordinal))).ToList())
        {
            state[key] = state[key].reshape(2, 1, 8, 32).expand(2, 2, 8, 32).reshape(32, 32);
        }
        NanoVlmCheckpoint.ImportStateDict(mha, state);

        var ids = TestConfigs.RandomText(2, 9, seed: 29);
        using var noGrad = no_grad();
        Assert.True(gqa.Forward(ids, null, null).allclose(mha.Forward(ids, null, null), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void ClsFlagVisionEncoderReturnsOneVectorPerImage()
    {
        manual_seed(30);
        using var vit = new VisionTransformer(TestConfigs.Micro() with { VitClsFlag = true });
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 3, 32 }, vit.call(rand(3, 3, 32, 32)).shape);
    }
}
