using NanoVlm.Engine.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

/// <summary>Very small valid configs and inputs, so model tests run in milliseconds.</summary>
internal static class TestConfigs
{
    /// <summary>ViT 32-wide on 32 px images in 8 px patches (4×4 grid, shuffle 2 → 4 image tokens); LM 32-wide, 4/2 heads, 2 blocks, vocab 100 + 66.</summary>
    public static VlmConfig Micro(bool tied = true) => new()
    {
        VitHiddenDim = 32,
        VitInterDim = 64,
        VitPatchSize = 8,
        VitImgSize = 32,
        VitNHeads = 2,
        VitNBlocks = 1,
        LmHiddenDim = 32,
        LmInterDim = 64,
        LmNHeads = 4,
        LmNKvHeads = 2,
        LmNBlocks = 2,
        LmMaxPositionEmbeddings = 512,
        LmBaseVocabSize = 100,
        ExtraTokenAmount = 66,
        LmVocabSize = 166,
        LmTieWeights = tied,
        MpPixelShuffleFactor = 2,
        MpImageTokenLength = 4,
        VlmLoadBackboneWeights = false,
    };

    /// <summary>Random ids in [1, 100) (never the image token 100), [B, T] int64.</summary>
    public static Tensor RandomText(long batch, long length, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return randint(1, 100, [batch, length], dtype: ScalarType.Int64, generator: generator);
    }

    /// <summary>
    /// Left-padded prompts with one image each: row b has <paramref name="padding"/>[b] pads (id 0, mask 0), then
    /// a few text ids, the image placeholders, and more text.
    /// </summary>
    public static (Tensor Ids, Tensor Mask, Tensor Pixels) ImagePrompts(VlmConfig config, int[] padding, int length, int seed)
    {
        var batch = padding.Length;
        var random = new Random(seed);
        var ids = new long[batch, length];
        var mask = new long[batch, length];
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < length; t++)
            {
                var real = t >= padding[b];
                mask[b, t] = real ? 1 : 0;
                ids[b, t] = real ? random.Next(1, config.LmBaseVocabSize) : 0;
            }
            var start = padding[b] + 1;
            if (start + config.MpImageTokenLength > length) throw new ArgumentException("prompt too short for an image");
            for (var t = 0; t < config.MpImageTokenLength; t++) ids[b, start + t] = config.ImageTokenId;
        }
        using var generator = new Generator((ulong)seed);
        var pixels = rand([batch, 3, config.VitImgSize, config.VitImgSize], generator: generator).mul(2).sub(1);
        return (tensor(ids), tensor(mask), pixels);
    }
}
