using System.Runtime.CompilerServices;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Tests.Training;

public sealed class TrainingEventHubTests
{
    // The hub used to keep every event ever published, so a run's memory grew with its step count.
    [Fact]
    public void Fifty_thousand_steps_of_events_are_delivered_and_none_is_kept()
    {
        var hub = new TrainingEventHub();
        var delivered = 0;
        using var subscription = hub.Subscribe(_ => delivered++);

        var sampled = PublishSteps(hub, steps: 50_000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(50_000, delivered);
        Assert.All(sampled, e => Assert.False(e.IsAlive, "a published event is still referenced"));
    }

    [Fact]
    public void A_subscriber_that_throws_does_not_stop_the_others()
    {
        var hub = new TrainingEventHub();
        var seen = new List<int>();
        using var broken = hub.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        using var working = hub.Subscribe(e => seen.Add(e.Step));

        hub.Publish(new StateChangedEvent { Step = 3, State = TrainingState.Running });

        Assert.Equal([3], seen);
    }

    /// <summary>Publishes one metrics event per step as the trainer does; returns weak references to every 1000th.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> PublishSteps(TrainingEventHub hub, int steps)
    {
        var sampled = new List<WeakReference>();
        for (var step = 1; step <= steps; step++)
        {
            var metrics = new MetricsEvent
            {
                Step = step,
                TokensSeen = step * 1024L,
                ImagesSeen = step * 8L,
                Loss = 2.0,
                LearningRates = new Dictionary<string, double> { ["mp"] = 3e-3, ["vision"] = 0, ["language"] = 1e-3 },
                GradNorm = 1.0,
                Precision = "fp32",
                MicroBatch = 8,
                GradAccum = 1,
                TokensPerSecond = 5000,
                ElapsedSeconds = step * 0.2,
                Skipped = 0,
            };
            if (step % 1000 == 0) sampled.Add(new WeakReference(metrics));
            hub.Publish(metrics);
        }
        return sampled;
    }
}
