namespace NanoVlm.Client.Services;

/// <summary>Reads recorded runs.</summary>
public interface IRunQueries
{
    IReadOnlyList<RunSummary> ListRuns();

    RunSummary? GetRun(string runId);

    /// <summary>Metrics with step greater than <paramref name="afterStep"/>, in step order.</summary>
    IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1);

    IReadOnlyList<EvaluationSample> GetEvaluations(string runId);

    IReadOnlyList<RunEventInfo> GetEvents(string runId);

    /// <summary>The run's activation-headroom measurements, in step order.</summary>
    IReadOnlyList<HeadroomSample> GetHeadroom(string runId);
}
