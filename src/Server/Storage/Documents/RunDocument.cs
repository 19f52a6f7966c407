using NanoVlm.Client.Services;

namespace NanoVlm.Server.Storage.Documents;

/// <summary>A run as stored in LiteDB. The configuration is kept verbatim as the JSON the run was started with.</summary>
public sealed class RunDocument
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public RunStatus Status { get; set; }
    public string Model { get; set; } = "";
    public string Precision { get; set; } = "";
    public long Step { get; set; }
    public long TotalSteps { get; set; }
    public double? BestValidationLoss { get; set; }
    public double? BestAnls { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }

    /// <summary>The checkpoint folder the run started from, and the run and step it belongs to when it is a run's.</summary>
    public string? Init { get; set; }

    public string? ParentRunId { get; set; }

    public long? ParentStep { get; set; }

    /// <summary>Seconds spent training (the latest metric's elapsed time, which continues across resumes).</summary>
    public double? TrainingSeconds { get; set; }
    public string? Error { get; set; }
    public string ConfigurationJson { get; set; } = "{}";
    public string OutputDirectory { get; set; } = "";

    /// <summary>Where a run of the PyTorch engine trains (Runs.ExternalEngineChoice as JSON); null for the in-process engine.</summary>
    public string? EngineJson { get; set; }

    public RunSummary ToSummary() => new(Id, Name, Status, Model, Precision, Step, TotalSteps, BestValidationLoss, BestAnls,
        AsUtc(CreatedAt), StartedAt is { } started ? AsUtc(started) : null, EndedAt is { } ended ? AsUtc(ended) : null, Error)
    {
        TrainingSeconds = TrainingSeconds,
        Init = Init,
        ParentRunId = ParentRunId,
        ParentStep = ParentStep,
    };

    // LiteDB hands DateTime back in local time; the dashboard works in UTC.
    private static DateTimeOffset AsUtc(DateTime time) => new(time.ToUniversalTime(), TimeSpan.Zero);
}
