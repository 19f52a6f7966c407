using NanoVlm.Engine.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

public sealed class ProjectorAndRotaryTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void PixelShuffleFollowsNanoVlmIndexOrder(int factor)
    {
        const int side = 8, channels = 3;
        using var scope = NewDisposeScope();
        // Token r*side + c, channel ch holds the value r*1000 + c*10 + ch.
        var values = new float[side * side * channels];
        for (var r = 0; r < side; r++)
            for (var c = 0; c < side; c++)
                for (var ch = 0; ch < channels; ch++)
                    values[(r * side + c) * channels + ch] = r * 1000 + c * 10 + ch;
        var x = tensor(values).reshape(1, side * side, channels);

        var shuffled = ModalityProjector.PixelShuffle(x, factor); // [1, (side/s)^2, s^2 * C]

        var outer = side / factor;
        Assert.Equal(new long[] { 1, outer * outer, factor * factor * channels }, shuffled.shape);
        var output = shuffled.data<float>().ToArray();
        for (var ho = 0; ho < outer; ho++)
            for (var wo = 0; wo < outer; wo++)
                for (var i = 0; i < factor; i++)
                    for (var j = 0; j < factor; j++)
                        for (var ch = 0; ch < channels; ch++)
                        {
                            var token = ho * outer + wo;
                            var feature = (i * factor + j) * channels + ch;
                            var expected = (ho * factor + i) * 1000 + (wo * factor + j) * 10 + ch;
                            Assert.Equal(expected, output[token * factor * factor * channels + feature]);
                        }
    }

    [Fact]
    public void ShuffleFactorFourModelRunsEndToEnd()
    {
        manual_seed(11);
        // 64 px / 8 px patches = 8×8 grid; shuffle 4 → 4 image tokens of 32·16 features.
        var config = TestConfigs.Micro() with { VitImgSize = 64, MpPixelShuffleFactor = 4, MpImageTokenLength = 4 };
        using var model = new VisionLanguageModel(config);
        using var scope = NewDisposeScope();
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 3], length: 12, seed: 12);
        Assert.Equal(new long[] { 2, 4, 32 }, model.EncodeImages(pixels).shape);
        var logits = model.Logits(model.Forward(ids, pixels, mask));
        Assert.Equal(new long[] { 2, 12, 166 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void RotaryAnglesAreScaledPerCallPastTheLimit()
    {
        var config = TestConfigs.Micro() with { LmMaxPositionEmbeddings = 16 };
        using var rotary = new RotaryEmbedding(config);
        var invFreq = rotary.InverseFrequencies;
        using var scope = NewDisposeScope();

        void Check(long start, long length, double scale)
        {
            var angles = rotary.Compute(start, length, CPU);
            var cosValues = angles.Cos.contiguous().data<float>().ToArray();
            var sinValues = angles.Sin.contiguous().data<float>().ToArray();
            var hd = rotary.HeadDim;
            for (var t = 0; t < length; t++)
                for (var d = 0; d < hd; d++)
                {
                    var angle = (start + t) * (invFreq[d % (hd / 2)] / scale);
                    Assert.Equal(Math.Cos(angle), cosValues[t * hd + d], 1e-5);
                    Assert.Equal(Math.Sin(angle), sinValues[t * hd + d], 1e-5);
                }
        }

        Check(0, 16, 1.0);            // up to the limit: unscaled
        Check(0, 20, 20.0 / 16);      // a 20-token forward: every frequency divided by 20/16
        Check(16, 1, 17.0 / 16);      // a decode step at position 16 scales on its own, as the reference does
    }

    [Fact]
    public void CachedAnglesAndTheRolledRotationAreBitForBitTheDirectComputation()
    {
        var config = TestConfigs.Micro() with { LmMaxPositionEmbeddings = 512 };
        using var rotary = new RotaryEmbedding(config);
        using var scope = NewDisposeScope();
        var x = randn(2, 4, 7, rotary.HeadDim); // [B, heads, T, hd]
        foreach (var (start, length) in new[] { (0L, 7L), (5L, 1L), (127L, 1L), (128L, 1L), (300L, 7L), (3L, 7L) }) // the table grows twice
        {
            var cached = rotary.Compute(start, length, CPU);
            var direct = rotary.ComputeAngles(start, length, CPU);
            Assert.True(cached.Cos.eq(direct.Cos).all().item<bool>());
            Assert.True(cached.Sin.eq(direct.Sin).all().item<bool>());

            // rotate_half as the reference writes it: cat(-x2, x1)
            var halves = x.chunk(2, -1);
            var expected = x.mul(direct.Cos).add(cat([halves[1].neg(), halves[0]], -1).mul(direct.Sin));
            Assert.True(RotaryEmbedding.Apply(x, cached).eq(expected).all().item<bool>());
        }
    }

    [Fact]
    public void DecoderRunsFinitePastThePositionLimit()
    {
        manual_seed(13);
        using var model = new VisionLanguageModel(TestConfigs.Micro() with { LmMaxPositionEmbeddings = 8 });
        using var scope = NewDisposeScope();
        var ids = TestConfigs.RandomText(2, 20, seed: 14);
        var logits = model.Logits(model.Forward(ids, null, null));
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [ReferenceCaseFact]
    public void FreshInverseFrequenciesEqualTheReferenceBufferBitForBit()
    {
        // basic-tied: head_dim 96/6 = 16, lm_re_base 100000.
        using var scope = NewDisposeScope();
        var stored = NanoVlm.Engine.Checkpoints.SafeTensors.Load(
            Path.Combine(ReferenceCases.PathOf("basic-tied"), "model", "model.safetensors"),
            name => name == "decoder.rotary_embd.inv_freq")["decoder.rotary_embd.inv_freq"];
        Assert.Equal(stored.data<float>().ToArray(), RotaryEmbedding.ComputeInverseFrequencies(100000, 16));
    }
}
