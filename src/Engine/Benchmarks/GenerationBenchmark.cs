using NanoVlm.Engine.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>Decoding speed of one configuration: KV cache against recomputing the whole sequence every step.</summary>
public sealed record GenerationFigures(
    string Preset, int PromptTokens, int NewTokens, double MsToFirstToken, double DecodeTokensPerSecond,
    double RecomputeMilliseconds, double KvCacheMilliseconds, bool IdenticalTokens)
{
    public double Speedup => RecomputeMilliseconds / KvCacheMilliseconds;
}

/// <summary>
/// Measures greedy decoding of <c>newTokens</c> tokens after an image prompt with the KV cache, and the same
/// tokens by full recomputation (the whole sequence through the model at each step), as medians.
/// </summary>
public static class GenerationBenchmark
{
    public static GenerationFigures Run(string preset, VlmConfig config, int newTokens, int repeats)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var model = new VisionLanguageModel(config);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator(1234);
        var pixels = rand([1, 3, config.VitImgSize, config.VitImgSize], generator: generator);       // [1, 3, S, S]
        var textTokens = 24;
        var prompt = cat([
            full([1, config.MpImageTokenLength], config.ImageTokenId, dtype: ScalarType.Int64),
            randint(0, config.LmBaseVocabSize, [1, textTokens], generator: generator, dtype: ScalarType.Int64),
        ], 1);                                                                                       // [1, T]

        Tensor? cached = null;
        var firstToken = Measure.MedianMilliseconds(
            () => VlmGeneration.Generate(model, prompt, pixels, null, new GenerationOptions(1)).Dispose(), warmups: 1, repeats: repeats);
        var kvMs = Measure.MedianMilliseconds(() =>
        {
            cached?.Dispose();
            cached = VlmGeneration.Generate(model, prompt, pixels, null, new GenerationOptions(newTokens));
        }, warmups: 1, repeats: repeats);
        long[] recomputed = [];
        var recomputeMs = Measure.MedianMilliseconds(() => recomputed = Recompute(model, prompt, pixels, newTokens), warmups: 0, repeats: Math.Max(1, repeats / 2));
        var identical = cached!.data<long>().ToArray().SequenceEqual(recomputed);
        var decodeSeconds = Math.Max(kvMs - firstToken, 1e-6) / 1000.0;
        return new GenerationFigures(preset, (int)prompt.shape[1], newTokens, firstToken, (newTokens - 1) / decodeSeconds, recomputeMs, kvMs, identical);
    }

    /// <summary>Greedy decoding without a cache: the full sequence goes through the model for every new token.</summary>
    private static long[] Recompute(VisionLanguageModel model, Tensor prompt, Tensor pixels, int newTokens)
    {
        var tokens = new List<long>();
        var sequence = prompt;
        using var scope = NewDisposeScope();
        for (var i = 0; i < newTokens; i++)
        {
            var hidden = model.Forward(sequence, pixels, null);                          // [1, T + i, H]
            var next = model.Logits(hidden.select(1, -1)).argmax(-1);                   // [1]
            tokens.Add(next.item<long>());
            sequence = cat([sequence, next.unsqueeze(1)], 1);
        }
        return [.. tokens];
    }
}
