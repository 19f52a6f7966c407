using NanoVlm.Client.Runs;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>
/// <see cref="LiveRun"/> when updates are published while it reads the store: they are buffered and applied once,
/// whether or not the read already held them.
/// </summary>
public sealed class LiveRunTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    [Fact]
    public void What_is_published_during_the_read_is_applied_once()
    {
        var store = new RecordedRuns();
        store.Add(Run(), Enumerable.Range(1, 10).Select(step => Sample(step, 1.0)));
        var checkpoint = Event(10, "checkpoint");
        store.Events.Add(checkpoint with { Time = checkpoint.Time.AddTicks(-checkpoint.Time.Ticks % TimeSpan.TicksPerMillisecond) }); // stored to the millisecond
        var reading = new ReadingWhilePublishing(store, () =>
        {
            // Already in the store, and published live a moment later.
            store.Publish(new RunUpdate.Metrics("r", [Sample(9, 1.0), Sample(10, 1.0)]));
            store.Publish(new RunUpdate.Happened("r", checkpoint));
            // New.
            store.Publish(new RunUpdate.Metrics("r", [Sample(11, 1.0)]));
            store.Publish(new RunUpdate.Happened("r", Event(11, "spike")));
        });

        using var live = LiveRun.Open("r", reading, store, () => { })!;
        store.Publish(new RunUpdate.Metrics("r", [Sample(12, 1.0)]));

        var view = live.Snapshot();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), view.Metrics.Select(m => m.Step));
        Assert.Equal(["checkpoint", "spike"], view.Events.Select(e => e.Kind));
    }

    [Fact]
    public void A_rollback_the_read_already_reflects_still_drops_the_abandoned_steps_buffered_before_it()
    {
        // The run failed at step 30 and rolled back to 25; the store already holds the new branch up to 27.
        var store = new RecordedRuns();
        store.Add(Run(), [.. Enumerable.Range(1, 25).Select(step => Sample(step, 1.0)), Sample(26, 2.0), Sample(27, 2.0)]);
        var rollback = Event(25, "rollback");
        store.Events.Add(rollback);
        var reading = new ReadingWhilePublishing(store, () =>
        {
            store.Publish(new RunUpdate.Metrics("r", [Sample(28, 9.0), Sample(29, 9.0)])); // the abandoned branch
            store.Publish(new RunUpdate.Happened("r", rollback));
            store.Publish(new RunUpdate.Metrics("r", [Sample(26, 2.0), Sample(27, 2.0), Sample(28, 2.0)]));
        });

        using var live = LiveRun.Open("r", reading, store, () => { })!;

        var view = live.Snapshot();
        Assert.Equal(Enumerable.Range(1, 28).Select(i => (long)i), view.Metrics.Select(m => m.Step));
        Assert.All(view.Metrics.Skip(25), m => Assert.Equal(2.0, m.Loss));
        Assert.Single(view.Events);
    }

    [Fact]
    public void An_unknown_run_gives_null_and_leaves_no_subscription()
    {
        var store = new RecordedRuns();
        Assert.Null(LiveRun.Open("missing", store, store, () => throw new InvalidOperationException("no updates expected")));
        store.Publish(new RunUpdate.Metrics("missing", [Sample(1, 1.0)]));
    }

    private static RunSummary Run() => new("r", "r", RunStatus.Running, "tiny", "fp32", 10, 100, null, null, Now, Now, null, null);

    private static MetricSample Sample(long step, double loss) => new(step, step * 100, step, loss, 1, 1e-3, 0, 1e-4, 1, 1000, "fp32", false);

    private static RunEventInfo Event(long step, string kind) =>
        new("r", step, Now.AddTicks(1234), kind, RunEventSeverity.Info, $"{kind} at {step}", new Dictionary<string, string>());

    /// <summary>The store, with updates published (to subscribers only) while it is being read, as a running run does.</summary>
    private sealed class ReadingWhilePublishing(RecordedRuns store, Action publish) : IRunQueries
    {
        public IReadOnlyList<RunSummary> ListRuns() => store.ListRuns();

        public RunSummary? GetRun(string runId)
        {
            publish();
            return store.GetRun(runId);
        }

        public IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1) => store.GetMetrics(runId, afterStep);

        public IReadOnlyList<EvaluationSample> GetEvaluations(string runId) => store.GetEvaluations(runId);

        public IReadOnlyList<RunEventInfo> GetEvents(string runId) => store.GetEvents(runId);

        public IReadOnlyList<HeadroomSample> GetHeadroom(string runId) => store.GetHeadroom(runId);
    }
}
