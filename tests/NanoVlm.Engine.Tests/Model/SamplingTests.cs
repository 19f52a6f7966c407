using NanoVlm.Engine.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

public sealed class SamplingTests
{
    [Fact]
    public void TopKKeepsTheKLargestAndTopPKeepsTheTokenThatCrossesP()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, 2, 3, 4, 5 }).unsqueeze(0);

        var topK = TokenFilter.TopKTopP(logits, topK: 2, topP: 1.0).data<float>().ToArray();
        Assert.Equal(new[] { float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, 4f, 5f }, topK);

        // Probabilities of 5, 4, 3, ... ≈ 0.64, 0.23, 0.09: the cumulative sum crosses 0.8 at the second token.
        var topP = TokenFilter.TopKTopP(logits, topK: 0, topP: 0.8).data<float>().ToArray();
        Assert.Equal(new[] { float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, 4f, 5f }, topP);

        var tiny = TokenFilter.TopKTopP(logits, topK: 0, topP: 0.01).data<float>().ToArray();
        Assert.Equal(5f, tiny[4]);
        Assert.Equal(4, tiny.Count(float.IsNegativeInfinity));
    }

    [Fact]
    public void SeededSamplingIsReproducibleAndTopKOneIsGreedy()
    {
        manual_seed(7);
        var config = TestConfigs.Micro();
        using var model = new VisionLanguageModel(config);
        using var scope = NewDisposeScope();
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 2], length: 10, seed: 8);
        var sampling = new GenerationOptions(12) { Greedy = false, Temperature = 1.5, TopK = 0, TopP = 1.0, Seed = 99 };

        var first = VlmGeneration.Generate(model, ids, pixels, mask, sampling).data<long>().ToArray();
        var second = VlmGeneration.Generate(model, ids, pixels, mask, sampling).data<long>().ToArray();
        var otherSeed = VlmGeneration.Generate(model, ids, pixels, mask, sampling with { Seed = 100 }).data<long>().ToArray();
        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);

        var greedy = VlmGeneration.Generate(model, ids, pixels, mask, new GenerationOptions(12)).data<long>().ToArray();
        var topOne = VlmGeneration.Generate(model, ids, pixels, mask, sampling with { TopK = 1 }).data<long>().ToArray();
        Assert.Equal(greedy, topOne);
    }

    [Fact]
    public void EosStopFillsTheRestOfEachFinishedRow()
    {
        manual_seed(9);
        var config = TestConfigs.Micro();
        using var model = new VisionLanguageModel(config);
        using var scope = NewDisposeScope();
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(config, padding: [0], length: 10, seed: 10);
        var greedy = VlmGeneration.Generate(model, ids, pixels, mask, new GenerationOptions(6)).data<long>().ToArray();
        var eos = greedy[1];

        var stopped = VlmGeneration.Generate(model, ids, pixels, mask, new GenerationOptions(6) { EosTokenId = eos, StopAtEos = true })
            .data<long>().ToArray();

        var firstEos = Array.IndexOf(greedy, eos);
        Assert.Equal(greedy[..(firstEos + 1)], stopped[..(firstEos + 1)]);
        Assert.All(stopped[firstEos..], token => Assert.Equal(eos, token));
        Assert.Equal(6, stopped.Length);
    }
}
