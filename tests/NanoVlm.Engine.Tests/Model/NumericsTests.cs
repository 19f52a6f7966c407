using NanoVlm.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

/// <summary>The NaN traps of spec §10.2–10.3: fully masked rows, masks under low precision, fp32 islands.</summary>
public sealed class NumericsTests
{
    [Fact]
    public void MaskCombinesCausalityAndPaddingAndNeverLeavesARowEmpty()
    {
        using var scope = NewDisposeScope();
        // Row 0: two left pads then a real token; row 1: no padding.
        var mask = AttentionMask.Build(tensor(new long[,] { { 0, 0, 1 }, { 1, 1, 1 } }), 2, 3, 3, CPU);

        var allowed = mask.Allowed!.to(ScalarType.Int32).data<int>().ToArray();
        int[] expectedAllowed =
        [
            1, 0, 0,   1, 1, 0,   0, 0, 1, // pad queries see the pads up to themselves; the real one sees itself only
            1, 0, 0,   1, 1, 0,   1, 1, 1, // plain causal
        ];
        Assert.Equal(expectedAllowed, allowed);
        Assert.NotNull(mask.FullyPaddedQueries);
        bool[] expectedFullyPadded = [true, true, false, false, false, false];
        Assert.Equal(expectedFullyPadded, mask.FullyPaddedQueries!.data<bool>().ToArray());

        // A decode step (one query after three cached keys) is masked by padding only.
        var decode = AttentionMask.Build(tensor(new long[,] { { 0, 1, 1, 1 } }), 1, 1, 4, CPU);
        bool[] expectedDecode = [false, true, true, true];
        Assert.Equal(expectedDecode, decode.Allowed!.data<bool>().ToArray());
        Assert.Null(decode.FullyPaddedQueries);
    }

    [Fact]
    public void AFullyPaddedQueryAveragesItsVisibleValuesUniformly()
    {
        // The reference's finfo.min padding mask makes every score of such a row equal: a uniform average.
        manual_seed(33);
        var config = TestConfigs.Micro() with { LmNKvHeads = 4, LmNBlocks = 1 };
        using var attention = new LanguageModelAttention(config);
        attention.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(1, 3, 32);
        var mask = AttentionMask.Build(tensor(new long[,] { { 0, 0, 1 } }), 1, 3, 3, CPU);
        using var rotary = new RotaryEmbedding(config);
        var angles = rotary.Compute(0, 3, CPU);

        var y = attention.Forward(x, angles, mask, null); // [1, 3, 32]

        // Same module, zero queries: value path only. Position 1 must be out_proj(mean(v0, v1)).
        var state = attention.state_dict();
        var values = nn.functional.linear(x, state["v_proj.weight"]);                            // [1, 3, 32]
        var expected = nn.functional.linear(values[.., ..2].mean([1]), state["out_proj.weight"]); // [1, 32]
        Assert.True(y[.., 1].allclose(expected, rtol: 0, atol: 1e-6));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void HeavilyLeftPaddedBatchStaysFiniteForwardAndBackward(ScalarType dtype)
    {
        manual_seed(31);
        var config = TestConfigs.Micro();
        using var model = new VisionLanguageModel(config);
        model.to(dtype);
        using var scope = NewDisposeScope();
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(config, padding: [0, 9, 10], length: 16, seed: 32);
        ids = cat([ids, zeros(1, 16, dtype: ScalarType.Int64)], 0);   // a fourth row that is all padding
        mask = cat([mask, zeros(1, 16, dtype: ScalarType.Int64)], 0);
        var labels = ids.roll(-1, 1).masked_fill(mask.eq(0), -100);

        var hidden = model.Forward(ids, pixels.to(dtype), mask);
        var logits = model.Logits(hidden);
        var loss = model.Loss(hidden, labels);
        loss.backward();

        Assert.True(logits.isfinite().all().item<bool>(), "logits contain NaN/inf");
        Assert.True(loss.isfinite().item<bool>(), "loss is not finite");
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>(), "a gradient is not finite"));
    }

    [Fact]
    public void NormsComputeInFloat32AndReturnTheInputDtype()
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm(4, 1e-5);
        // In fp16, x² would overflow (300² > 65504) and give inf/NaN; computed in fp32 it is fine.
        var big = tensor(new float[] { 300, -300, 300, -300 }).to(ScalarType.Float16);
        var y = norm.call(big);
        Assert.Equal(ScalarType.Float16, y.dtype);
        Assert.Equal(new float[] { 1, -1, 1, -1 }, y.to(ScalarType.Float32).data<float>().ToArray());
    }
}
