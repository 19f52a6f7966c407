using NanoVlm.Client.Services;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Storage;

/// <summary>Reads and writes runs, metrics, evaluations and events in the dashboard database.</summary>
public sealed class RunStore(DashboardDatabase database) : IRunQueries
{
    public IReadOnlyList<RunSummary> ListRuns() =>
        [.. database.Runs.FindAll().OrderByDescending(r => r.CreatedAt).Select(r => r.ToSummary())];

    public RunSummary? GetRun(string runId) => database.Runs.FindById(runId)?.ToSummary();

    public RunDocument? GetDocument(string runId) => database.Runs.FindById(runId);

    public IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1) =>
        [.. database.Metrics.Find(m => m.RunId == runId && m.Step > afterStep).OrderBy(m => m.Step).Select(m => m.ToSample())];

    public IReadOnlyList<EvaluationSample> GetEvaluations(string runId) =>
        [.. database.Evaluations.Find(e => e.RunId == runId).OrderBy(e => e.Step).Select(e => e.ToSample())];

    public IReadOnlyList<RunEventInfo> GetEvents(string runId) =>
        [.. database.Events.Find(e => e.RunId == runId).OrderBy(e => e.Time).Select(e => e.ToInfo())];

    public IReadOnlyList<HeadroomSample> GetHeadroom(string runId) =>
        [.. database.Headroom.Find(h => h.RunId == runId).OrderBy(h => h.Step).Select(h => h.ToSample())];

    public void Upsert(RunDocument run) => database.Runs.Upsert(run);

    /// <summary>Applies <paramref name="change"/> to the stored run and saves it; returns the new summary.</summary>
    public RunSummary? Update(string runId, Action<RunDocument> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var run = database.Runs.FindById(runId);
        if (run is null)
        {
            return null;
        }
        change(run);
        database.Runs.Update(run);
        return run.ToSummary();
    }

    public void AppendMetrics(IEnumerable<MetricDocument> metrics) => database.Metrics.InsertBulk(metrics);

    /// <summary>Drops metrics, evaluations and headroom measurements after <paramref name="step"/> (a rollback or resume continues from there).</summary>
    public void DeleteMetricsAfter(string runId, long step)
    {
        database.Metrics.DeleteMany(m => m.RunId == runId && m.Step > step);
        database.Evaluations.DeleteMany(e => e.RunId == runId && e.Step > step);
        database.Headroom.DeleteMany(h => h.RunId == runId && h.Step > step);
    }

    public void AppendEvaluation(string runId, EvaluationSample sample) =>
        database.Evaluations.Insert(new EvaluationDocument { RunId = runId, Step = sample.Step, Loss = sample.Loss, Anls = sample.Anls });

    public void AppendHeadroom(string runId, HeadroomSample sample) => database.Headroom.Insert(HeadroomDocument.From(runId, sample));

    public void AppendEvent(RunEventInfo info) => database.Events.Insert(EventDocument.From(info));

    /// <summary>
    /// After a restart nothing is running: runs the previous process left running or paused become Interrupted
    /// (resumable from their last checkpoint). Returns their ids.
    /// </summary>
    public IReadOnlyList<string> MarkUnfinishedAsInterrupted(DateTime now)
    {
        var unfinished = database.Runs.Find(r => r.Status == RunStatus.Running || r.Status == RunStatus.Paused).ToList();
        foreach (var run in unfinished)
        {
            run.Status = RunStatus.Interrupted;
            run.EndedAt = now;
            run.Error = "The server stopped while this run was active. Resume it from its last checkpoint.";
            database.Runs.Update(run);
        }
        return [.. unfinished.Select(r => r.Id)];
    }
}
