using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Guard;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Training;

public sealed class Fp16EmulationTests
{
    [Fact]
    public void Rounding_through_fp16_overflows_beyond_65504_and_rounds_below()
    {
        using var scope = NewDisposeScope();
        var values = Fp16Emulation.RoundThroughFp16(tensor(new[] { 65504f, 65520f, 70000f, -1e5f, 1.0001f }));
        var result = values.data<float>().ToArray();
        Assert.Equal(65504f, result[0]);
        Assert.True(float.IsPositiveInfinity(result[1]));
        Assert.True(float.IsPositiveInfinity(result[2]));
        Assert.True(float.IsNegativeInfinity(result[3]));
        Assert.Equal(1f, result[4]); // fp16 has 10 mantissa bits
    }

    [Fact]
    public void Emulation_makes_large_linear_outputs_inf_only_while_attached_and_the_probe_names_the_layer()
    {
        manual_seed(17);
        using var model = new VisionLanguageModel(TrainingFixtures.MicroModel());
        using var scope = NewDisposeScope();
        var data = new SyntheticBatches(model.Config);
        var batch = data.NextBatch(2);
        var downProj = model.named_parameters().Single(p => p.name == "decoder.blocks.0.mlp.down_proj.weight").parameter;
        // Outputs far beyond 65504 yet finite in float32. The MLP's input sums to about ±0.05 per position at
        // initialisation, so the weight must be large enough that every position overflows, not just some.
        using (no_grad()) downProj.fill_(1e9f);

        using (Fp16Emulation.Attach(model))
        using (var probe = ActivationProbe.Attach(model))
        {
            var loss = model.Loss(model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask), batch.Labels);
            Assert.False(loss.isfinite().item<bool>());
            var first = probe.Read().First(c => !c.OutputFinite);
            Assert.Equal("decoder.blocks.0.mlp.down_proj", first.Module);
            Assert.True(double.IsFinite(first.InputMaxAbs));
        }
        var fp32Loss = model.Loss(model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask), batch.Labels);
        Assert.True(fp32Loss.isfinite().item<bool>()); // hooks removed: float32 range again
    }
}
