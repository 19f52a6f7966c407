using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Tests.Training;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Benchmarks;

/// <summary><c>bench --profile</c> times the parts of the real computation, not an approximation of it.</summary>
public sealed class StepProfileTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheProfiledForwardGivesTheModelsLossBitForBit(bool tied)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new VisionLanguageModel(TestConfigs.Micro(tied));
        model.train();
        var data = new SyntheticBatches(model.Config, length: 16);
        var batch = data.NextBatch(3);

        var expected = model.Loss(model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask), batch.Labels);
        var profiled = StepProfile.ProfiledLoss(model, batch);

        Assert.Equal(expected.item<float>(), profiled.item<float>());
        Assert.True(profiled.requires_grad);
    }
}
