using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>Recorded runs plus the subscribers of the page, to which a test publishes as the training service would.</summary>
internal sealed class RecordedRuns : IRunQueries, IRunUpdates
{
    private readonly Dictionary<string, (RunSummary Run, List<MetricSample> Metrics)> _runs = [];
    private readonly List<(string? RunId, Action<RunUpdate> Handler)> _subscribers = [];

    public List<RunEventInfo> Events { get; } = [];

    public List<HeadroomSample> Headroom { get; } = [];

    public void Add(RunSummary run, IEnumerable<MetricSample> metrics) => _runs[run.Id] = (run, [.. metrics]);

    public void Publish(RunUpdate update)
    {
        (string? RunId, Action<RunUpdate> Handler)[] subscribers;
        lock (_subscribers) subscribers = [.. _subscribers];
        foreach (var (runId, handler) in subscribers.Where(s => s.RunId is null || s.RunId == update.RunId))
        {
            handler(update);
        }
    }

    public IReadOnlyList<RunSummary> ListRuns() => [.. _runs.Values.Select(v => v.Run)];

    public RunSummary? GetRun(string runId) => _runs.TryGetValue(runId, out var entry) ? entry.Run : null;

    public IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1) =>
        _runs.TryGetValue(runId, out var entry) ? [.. entry.Metrics.Where(m => m.Step > afterStep)] : [];

    public IReadOnlyList<EvaluationSample> GetEvaluations(string runId) => [];

    public IReadOnlyList<RunEventInfo> GetEvents(string runId) => [.. Events.Where(e => e.RunId == runId)];

    public IReadOnlyList<HeadroomSample> GetHeadroom(string runId) => [.. Headroom];

    public IDisposable Subscribe(string? runId, Action<RunUpdate> handler)
    {
        var entry = (runId, handler);
        lock (_subscribers) _subscribers.Add(entry);
        return new Unsubscribe(() =>
        {
            lock (_subscribers) _subscribers.Remove(entry);
        });
    }

    private sealed class Unsubscribe(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
