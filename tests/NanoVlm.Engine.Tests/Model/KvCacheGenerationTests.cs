using NanoVlm.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

/// <summary>Incremental decoding must compute exactly what a full forward computes (the reference's own KV-cache test).</summary>
public sealed class KvCacheGenerationTests
{
    [Theory]
    [InlineData(2)] // GQA
    [InlineData(1)] // multi-query
    [InlineData(4)] // plain multi-head
    public void TokenByTokenDecodingEqualsTheFullForward(int kvHeads)
    {
        manual_seed(1);
        using var model = new VisionLanguageModel(TestConfigs.Micro() with { LmNKvHeads = kvHeads });
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = TestConfigs.RandomText(3, 24, seed: 2);
        var mask = ones(3, 24, dtype: ScalarType.Int64);
        mask[1, ..5] = 0; // left padding in one row
        var embeddings = model.Decoder.EmbedTokens(ids);
        var full = model.Decoder.Forward(embeddings, mask); // [B, 24, H]

        using var cache = new KvCache(model.Decoder.BlockCount, 24);
        var prefill = model.Decoder.Forward(embeddings[.., ..10], mask[.., ..10], cache);
        Assert.True(prefill.allclose(full[.., ..10], rtol: 0, atol: 1e-5));
        for (var t = 10; t < 24; t++)
        {
            var step = model.Decoder.Forward(embeddings[.., t..(t + 1)], mask[.., ..(t + 1)], cache);
            var difference = (step - full[.., t..(t + 1)]).abs().max().item<float>();
            Assert.True(difference <= 1e-5f, $"position {t}: |Δ| = {difference}");
        }
        Assert.Equal(24, cache.Length);
    }

    [Fact]
    public void GreedyGenerationEqualsFullRecomputationTokenForToken()
    {
        manual_seed(3);
        var config = TestConfigs.Micro(tied: false);
        using var model = new VisionLanguageModel(config);
        model.eval();
        using var scope = NewDisposeScope();
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 4, 9], length: 16, seed: 4);
        const int steps = 10;

        var cached = VlmGeneration.Generate(model, ids, pixels, mask, new GenerationOptions(steps));

        // Recompute from scratch each step: prompt embeddings (images merged) followed by the generated tokens'
        // plain embeddings (a generated <|image|> id is just a token, as in the reference's decode loop).
        using var noGrad = no_grad();
        var (currentEmbeddings, currentMask) = (model.EmbedInputs(ids, pixels), mask);
        for (var step = 0; step < steps; step++)
        {
            var hidden = model.Decoder.Forward(currentEmbeddings, currentMask);
            var next = model.Logits(hidden[.., -1]).argmax(-1); // [B]
            Assert.Equal(next.data<long>().ToArray(), cached[.., step].data<long>().ToArray());
            currentEmbeddings = cat([currentEmbeddings, model.Decoder.EmbedTokens(next.unsqueeze(1))], 1);
            currentMask = cat([currentMask, ones(3, 1, dtype: ScalarType.Int64)], 1);
        }
    }

    [Fact]
    public void GenerationDoesNotLeakTensorsAcrossDecodeSteps()
    {
        manual_seed(5);
        var config = TestConfigs.Micro();
        using var model = new VisionLanguageModel(config);
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 3], length: 12, seed: 6);
        VlmGeneration.Generate(model, ids, pixels, mask, new GenerationOptions(2)).Dispose(); // warm-up

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        VlmGeneration.Generate(model, ids, pixels, mask, new GenerationOptions(5)).Dispose();
        var afterShort = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        VlmGeneration.Generate(model, ids, pixels, mask, new GenerationOptions(60)).Dispose();
        var afterLong = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(before, afterShort);
        Assert.Equal(before, afterLong);
    }

    [Fact]
    public void CacheRejectsWritesPastItsCapacity()
    {
        using var scope = NewDisposeScope();
        using var cache = new KvCache(blocks: 1, capacity: 4);
        var kv = zeros(1, 1, 3, 2);
        cache.Append(0, kv, kv);
        cache.Advance(3);
        Assert.Throws<InvalidOperationException>(() => cache.Append(0, kv, kv));
    }
}
