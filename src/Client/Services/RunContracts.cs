namespace NanoVlm.Client.Services;

/// <summary>Where a run is in its life. Interrupted = the server stopped while it ran; it can be resumed.</summary>
public enum RunStatus
{
    Queued,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
    Interrupted,
}

/// <summary>A run as lists and headers show it.</summary>
public sealed record RunSummary(
    string Id,
    string Name,
    RunStatus Status,
    string Model,
    string Precision,
    long Step,
    long TotalSteps,
    double? BestValidationLoss,
    double? BestAnls,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Error)
{
    public bool IsActive => Status is RunStatus.Queued or RunStatus.Running or RunStatus.Paused;

    /// <summary>Stopped before its last step (cancelled, failed, interrupted): it can continue from a checkpoint.</summary>
    public bool IsResumable => Status is RunStatus.Cancelled or RunStatus.Failed or RunStatus.Interrupted;

    /// <summary>The checkpoint folder the run started from; null for a run from scratch.</summary>
    public string? Init { get; init; }

    /// <summary>The run whose checkpoint this run was forked from, and that checkpoint's step.</summary>
    public string? ParentRunId { get; init; }

    public long? ParentStep { get; init; }

    /// <summary>Seconds spent training, across resumes (null for runs recorded before it was kept).</summary>
    public double? TrainingSeconds { get; init; }

    /// <summary>Time spent training; for older records, the time from start to end.</summary>
    public TimeSpan? Duration => TrainingSeconds is { } seconds ? TimeSpan.FromSeconds(seconds)
        : StartedAt is { } start ? (EndedAt ?? DateTimeOffset.UtcNow) - start : null;
}

/// <summary>One optimisation step's figures. Non-finite values are kept as they were: they are the point.</summary>
public sealed record MetricSample(
    long Step,
    long TokensSeen,
    double ElapsedSeconds,
    double Loss,
    double GradNorm,
    double LearningRateProjector,
    double LearningRateVision,
    double LearningRateLanguage,
    double LossScale,
    double TokensPerSecond,
    string Precision,
    bool Skipped);

/// <summary>A validation pass.</summary>
public sealed record EvaluationSample(long Step, double Loss, double? Anls);

/// <summary>How loudly an event speaks. Alerts are what a user must not miss (NaN, overflow, failure).</summary>
public enum RunEventSeverity
{
    Info,
    Warning,
    Alert,
}

/// <summary>Anything that happened to a run: state changes, checkpoints, precision switches, alerts with diagnoses.</summary>
/// <param name="Kind">machine-readable type, e.g. "nan", "spike", "precision_switch", "rollback", "checkpoint", "state"</param>
/// <param name="Details">extra facts for display, e.g. the diagnosis's module, verdict and magnitudes</param>
public sealed record RunEventInfo(
    string RunId,
    long Step,
    DateTimeOffset Time,
    string Kind,
    RunEventSeverity Severity,
    string Message,
    IReadOnlyDictionary<string, string> Details);

/// <summary>What a live page receives: new metrics, an event, a changed summary, or a headroom measurement.</summary>
public abstract record RunUpdate(string RunId)
{
    public sealed record Metrics(string RunId, IReadOnlyList<MetricSample> Samples) : RunUpdate(RunId);

    public sealed record Evaluation(string RunId, EvaluationSample Sample) : RunUpdate(RunId);

    public sealed record Happened(string RunId, RunEventInfo Info) : RunUpdate(RunId);

    public sealed record Summary(string RunId, RunSummary Run) : RunUpdate(RunId);

    public sealed record Headroom(string RunId, HeadroomSample Sample) : RunUpdate(RunId);
}
