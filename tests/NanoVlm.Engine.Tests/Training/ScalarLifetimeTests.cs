using System.Diagnostics;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// A number passed where libtorch takes a Scalar must stay alive for the call (see <c>NativeScalars</c>): with garbage
/// collected all the time next to it, training steps (forward, backward, clipping, AdamW) must not fail with
/// "Expected false to be true ... toFloat" or read a freed value.
/// </summary>
[Collection(nameof(MeasuredAlone))]
public sealed class ScalarLifetimeTests(ITestOutputHelper output)
{
    [Fact]
    public void Training_steps_survive_garbage_collections_running_next_to_them()
    {
        var config = TrainingFixtures.Micro() with { GradAccum = 2, MaxGradNorm = 0.5, Threads = 1 };
        using var model = new VisionLanguageModel(config.ResolveModel());
        model.train();
        using var session = new TrainingSession(config, model, new SyntheticBatches(config.ResolveModel()), ComputePrecision.Fp32, onCuda: false);

        var stop = false;
        var collections = 0;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(0); // the Scalars of a call are young: a gen-0 collection finds them
                GC.WaitForPendingFinalizers(); // frees every unreferenced Scalar at once
                collections++;
                Thread.Sleep(1); // let the steps run between collections
            }
        }) { IsBackground = true, Name = "garbage collector hammer" };
        collector.Start();
        var steps = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(8))
            {
                var result = OptimizerStep.Run(session, faults: null, measureHeadroom: steps % 10 == 0);
                Assert.Equal(StepStatus.Applied, result.Status);
                steps++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        output.WriteLine($"{steps} steps next to {collections} collections");
        Assert.True(steps > 10 && collections > 10);
    }
}
