using NanoVlm.Client.Services;

namespace NanoVlm.Client.Runs;

/// <summary>What a run page draws, taken at one moment.</summary>
public sealed record RunSnapshot(
    RunSummary Run,
    IReadOnlyList<MetricSample> Metrics,
    IReadOnlyList<EvaluationSample> Evaluations,
    IReadOnlyList<RunEventInfo> Events,
    IReadOnlyList<HeadroomSample> Headroom);

/// <summary>
/// One run as its page shows it: what the store recorded, then every live update, with nothing lost in between. It
/// subscribes before it reads the store: updates published during the read wait in a buffer and are applied after it,
/// except what the read already held. (Reading first and subscribing after lost the points published in between,
/// and the store itself runs up to the metric writer's batch delay behind the live updates.) Updates arrive on the
/// publisher's thread; <see cref="Snapshot"/> is safe from any thread.
/// </summary>
public sealed class LiveRun : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Action _changed;
    private IDisposable? _subscription;
    private List<RunUpdate>? _buffer = [];
    private RunSummary _run = null!;
    private List<MetricSample> _metrics = [];
    private List<EvaluationSample> _evaluations = [];
    private List<RunEventInfo> _events = [];
    private List<HeadroomSample> _headroom = [];

    private LiveRun(Action changed) => _changed = changed;

    /// <summary>The run's record kept current, or null when there is no such run.</summary>
    /// <param name="changed">called (on the publisher's thread) after every update that was applied</param>
    public static LiveRun? Open(string runId, IRunQueries queries, IRunUpdates updates, Action changed)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(updates);
        var live = new LiveRun(changed);
        live._subscription = updates.Subscribe(runId, live.OnUpdate);
        if (queries.GetRun(runId) is not { } run)
        {
            live.Dispose();
            return null;
        }
        // Read in the order the training service writes (events before the metrics they trim, say); a buffered update
        // the read already holds is skipped below.
        var events = queries.GetEvents(runId);
        var evaluations = queries.GetEvaluations(runId);
        var headroom = queries.GetHeadroom(runId);
        var metrics = queries.GetMetrics(runId);
        lock (live._gate)
        {
            (live._run, live._metrics, live._evaluations, live._events, live._headroom) = (run, [.. metrics], [.. evaluations], [.. events], [.. headroom]);
            foreach (var update in live._buffer!)
            {
                // An event the read already holds is not listed twice, but its trimming is done again: the metrics of
                // the abandoned branch that were buffered before it must go.
                var known = update is RunUpdate.Happened happened && events.Any(stored => SameEvent(stored, happened.Info));
                live.Apply(update, listEvent: !known);
            }
            live._buffer = null;
        }
        return live;
    }

    public RunSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new RunSnapshot(_run, [.. _metrics], [.. _evaluations], [.. _events], [.. _headroom]);
        }
    }

    private void OnUpdate(RunUpdate update)
    {
        lock (_gate)
        {
            if (_buffer is not null)
            {
                _buffer.Add(update);
                return;
            }
            Apply(update, listEvent: true);
        }
        _changed();
    }

    private void Apply(RunUpdate update, bool listEvent)
    {
        switch (update)
        {
            case RunUpdate.Metrics metrics:
                // Steps only move forward (a rollback or resume trims first): an older step is one the read already had.
                foreach (var sample in metrics.Samples)
                {
                    if (_metrics.Count == 0 || sample.Step > _metrics[^1].Step) _metrics.Add(sample);
                }
                break;
            case RunUpdate.Evaluation evaluation:
                if (_evaluations.Count == 0 || evaluation.Sample.Step > _evaluations[^1].Step) _evaluations.Add(evaluation.Sample);
                break;
            case RunUpdate.Headroom headroom:
                if (_headroom.Count == 0 || headroom.Sample.Step > _headroom[^1].Step) _headroom.Add(headroom.Sample);
                break;
            case RunUpdate.Happened happened:
                if (listEvent) _events.Add(happened.Info);
                if (happened.Info.Kind is "rollback" or "resume")
                {
                    // As in the store: the run continues from the checkpoint, the abandoned tail is dropped.
                    var step = happened.Info.Step;
                    _metrics.RemoveAll(m => m.Step > step);
                    _evaluations.RemoveAll(e => e.Step > step);
                    _headroom.RemoveAll(h => h.Step > step);
                }
                break;
            case RunUpdate.Summary summary:
                _run = summary.Run;
                break;
        }
    }

    // The store keeps an event's time to the millisecond; the live one has it to the tick.
    private static bool SameEvent(RunEventInfo stored, RunEventInfo live) =>
        stored.Kind == live.Kind && stored.Step == live.Step && stored.Message == live.Message
        && Math.Abs((stored.Time - live.Time).TotalMilliseconds) < 1;

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
    }
}
