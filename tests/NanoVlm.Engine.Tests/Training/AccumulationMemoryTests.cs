using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// Gradient accumulation must not hold every micro-batch's forward tensors until the optimizer step ends: at nanoVLM's
/// 8 micro-batches per step that would need 8 times the activation memory of one.
/// </summary>
public sealed class AccumulationMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void Each_micro_batch_starts_with_the_previous_ones_forward_tensors_released()
    {
        var config = TrainingFixtures.Micro() with { GradAccum = 4 };
        using var model = new VisionLanguageModel(config.ResolveModel());
        model.train();
        using var session = new TrainingSession(config, model, new SyntheticBatches(config.ResolveModel()), ComputePrecision.Fp32, onCuda: false);
        OptimizerStep.Run(session, faults: null, measureHeadroom: false); // the first step creates the gradients and optimizer moments

        var live = new List<long>();
        var hook = model.Projector.register_forward_hook((_, _, result) =>
        {
            live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            return result;
        });
        OptimizerStep.Run(session, faults: null, measureHeadroom: false);
        hook.remove();

        // Live tensors when each micro-batch's projector runs: equal but for the few tensors of each batch kept for diagnosis.
        output.WriteLine("live tensors at each micro-batch's projector: " + string.Join(", ", live));
        Assert.Equal(4, live.Count);
        var growthPerMicroBatch = (live[3] - live[0]) / 3.0;
        Assert.True(growthPerMicroBatch <= 8, $"each micro-batch left {growthPerMicroBatch:0.#} tensors alive");
    }
}
