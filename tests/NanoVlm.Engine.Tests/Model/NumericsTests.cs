using NanoVlm.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

/// <summary>The NaN traps of spec §10.2–10.3: fully masked rows, masks under low precision, fp32 islands.</summary>
public sealed class NumericsTests
{
    [Fact]
    public void MaskHasTwoFiniteLevelsAndEveryRowKeepsItsOwnKey()
    {
        using var scope = NewDisposeScope();
        var mask = AttentionMask.Build(tensor(new long[,] { { 0, 1, 1 } }), 1, 3, 3, CPU).data<float>().ToArray();
        const float pad = AttentionMask.PaddedKey, future = AttentionMask.FutureKey;
        Assert.Equal(new[] { pad, future, future, pad, 0, future, pad, 0, 0 }, mask);
        Assert.All(mask, v => Assert.True(float.IsFinite(v)));
        Assert.True(future < pad * 1.5f);

        // A decode step (one query after three cached keys) is masked by padding only.
        var decode = AttentionMask.Build(tensor(new long[,] { { 0, 1, 1, 1 } }), 1, 1, 4, CPU).data<float>().ToArray();
        Assert.Equal(new[] { pad, 0f, 0f, 0f }, decode);
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
