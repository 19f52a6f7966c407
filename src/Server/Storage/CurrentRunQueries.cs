using NanoVlm.Client.Services;

namespace NanoVlm.Server.Storage;

/// <summary>
/// The recorded runs as pages and the API read them: metrics still waiting in the <see cref="MetricWriter"/>'s batch
/// (up to its delay behind the live updates) are written before a metrics read, so a read holds every step published
/// so far. A run page that subscribes and then reads therefore misses nothing in between.
/// </summary>
public sealed class CurrentRunQueries(RunStore store, MetricWriter writer) : IRunQueries
{
    public IReadOnlyList<RunSummary> ListRuns() => store.ListRuns();

    public RunSummary? GetRun(string runId) => store.GetRun(runId);

    public IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1)
    {
        writer.Flush();
        return store.GetMetrics(runId, afterStep);
    }

    public IReadOnlyList<EvaluationSample> GetEvaluations(string runId) => store.GetEvaluations(runId);

    public IReadOnlyList<RunEventInfo> GetEvents(string runId) => store.GetEvents(runId);

    public IReadOnlyList<HeadroomSample> GetHeadroom(string runId) => store.GetHeadroom(runId);
}
