using System.Globalization;
using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Server.Runs;

/// <summary>The engine's training events as the dashboard's records (no TorchSharp or engine types reach the Client).</summary>
public static class RunEventMapper
{
    public static MetricSample ToSample(MetricsEvent e, bool skippedThisStep)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new MetricSample(e.Step, e.TokensSeen, e.ElapsedSeconds, e.Loss, e.GradNorm,
            e.LearningRates.GetValueOrDefault("mp"), e.LearningRates.GetValueOrDefault("vision"), e.LearningRates.GetValueOrDefault("language"),
            e.LossScale ?? 1.0, e.TokensPerSecond, e.Precision, skippedThisStep);
    }

    /// <summary>The step's per-module headroom when the step measured it, else null.</summary>
    public static HeadroomSample? ToHeadroom(MetricsEvent e, double warnFactor)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Headroom is { Count: > 0 } modules
            ? new HeadroomSample(e.Step, warnFactor, [.. modules.Select(m => new ModuleHeadroomInfo(m.Module, m.MaxAbs, m.Fp16Headroom))])
            : null;
    }

    /// <summary>Alerts, precision switches, rollbacks, checkpoints and state changes as run events; null for metrics and evaluations.</summary>
    public static RunEventInfo? ToEvent(string runId, TrainingEvent trainingEvent) => trainingEvent switch
    {
        AlertEvent alert => new RunEventInfo(runId, alert.Step, alert.Time, KindOf(alert.Kind),
            alert.Kind == AlertKind.Nan ? RunEventSeverity.Alert : RunEventSeverity.Warning, alert.Message, AlertDetails(alert)),
        PrecisionSwitchEvent change => new RunEventInfo(runId, change.Step, change.Time, "precision_switch", RunEventSeverity.Warning,
            $"Precision {change.From} → {change.To}: {change.Reason}",
            Details(("from", change.From), ("to", change.To), ("micro batch", Invariant(change.MicroBatch)), ("gradient accumulation", Invariant(change.GradAccum)))),
        PinEvent pin => new RunEventInfo(runId, pin.Step, pin.Time, "pin", RunEventSeverity.Warning,
            pin.Added.Count > 0
                ? $"Pinned {string.Join(", ", pin.Added)} to float32: {pin.Reason}"
                : $"Unpinned {string.Join(", ", pin.Removed)}: {pin.Reason}",
            Details(("pinned", string.Join(", ", pin.Pinned)), ("added", pin.Added.Count > 0 ? string.Join(", ", pin.Added) : null),
                ("removed", pin.Removed.Count > 0 ? string.Join(", ", pin.Removed) : null),
                ("parameters in float32", pin.ParameterFraction.ToString("P2", CultureInfo.InvariantCulture)))),
        RollbackEvent rollback => new RunEventInfo(runId, rollback.Step, rollback.Time, "rollback", RunEventSeverity.Warning,
            $"Rolled back from step {rollback.FromStep} to {rollback.ToStep}: {rollback.Reason}",
            Details(("checkpoint", rollback.Checkpoint))),
        CheckpointEvent checkpoint => new RunEventInfo(runId, checkpoint.Step, checkpoint.Time, "checkpoint", RunEventSeverity.Info,
            checkpoint.Best ? $"Checkpoint at step {checkpoint.Step} (best so far)" : $"Checkpoint at step {checkpoint.Step}",
            Details(("path", checkpoint.Path))),
        StateChangedEvent state => new RunEventInfo(runId, state.Step, state.Time, "state",
            state.State == TrainingState.Failed ? RunEventSeverity.Alert : RunEventSeverity.Info,
            state.Reason is null ? $"Run {Name(state.State)}" : $"Run {Name(state.State)}: {state.Reason}", Details()),
        _ => null,
    };

    public static RunStatus ToStatus(TrainingState state) => state switch
    {
        TrainingState.Queued => RunStatus.Queued,
        TrainingState.Running => RunStatus.Running,
        TrainingState.Paused => RunStatus.Paused,
        TrainingState.Completed => RunStatus.Completed,
        TrainingState.Cancelled => RunStatus.Cancelled,
        _ => RunStatus.Failed,
    };

    private static string Name(TrainingState state) => state.ToString().ToLowerInvariant();

    private static string KindOf(AlertKind kind) => kind switch
    {
        AlertKind.Nan => "nan",
        AlertKind.Overflow => "overflow",
        AlertKind.Spike => "spike",
        AlertKind.Checkpoint => "checkpoint_unreadable",
        _ => "headroom",
    };

    private static Dictionary<string, string> AlertDetails(AlertEvent alert)
    {
        var details = Details(("action", alert.Action));
        if (alert.Diagnosis is { } d)
        {
            details["verdict"] = d.Verdict;
            details["explanation"] = d.Explanation;
            details["first bad module"] = d.Module ?? d.Float32Module ?? "—";
            details["precision"] = d.Precision;
            details["failed step"] = Invariant(d.FailedStep);
            if (d.ModuleInputMaxAbs is { } input) details["module input max |a|"] = input.ToString("G4", CultureInfo.InvariantCulture);
            if (d.ModuleOutputMaxAbs is { } output) details["module output max |a|"] = output.ToString("G4", CultureInfo.InvariantCulture);
            if (d.Float32ModuleOutputMaxAbs is { } fp32) details["same module in float32"] = fp32.ToString("G4", CultureInfo.InvariantCulture);
            if (d.LossScale is { } scale) details["loss scale"] = scale.ToString("G4", CultureInfo.InvariantCulture);
            details["samples"] = string.Join(", ", d.SampleIds.Take(8));
            if (d.PinCandidates.Count > 0) details[PinCandidatesKey] = string.Join(", ", d.PinCandidates);
            if (d.PinnedModules.Count > 0) details["already pinned"] = string.Join(", ", d.PinnedModules);
            if (d.DataProblems.Count > 0) details["data problems"] = string.Join("; ", d.DataProblems);
        }
        if (alert.FlightRecorder is { Count: > 0 } recorder)
            details[FlightRecorderKey] = JsonSerializer.Serialize(recorder.Select(r => new FlightRecordInfo(r.Step, r.Status, r.Loss, r.GradNorm, r.LossScale,
                r.Precision, [.. r.Modules.Select(m => new ModuleMaxInfo(m.Module, m.MaxAbs))], r.SampleIds)).ToArray(), FlightRecordInfo.Json);
        if (alert.Headroom is { Count: > 0 } headroom)
        {
            var tightest = headroom.MinBy(h => h.Fp16Headroom)!;
            details["lowest headroom"] = string.Create(CultureInfo.InvariantCulture, $"{tightest.Module}: {tightest.Fp16Headroom:0.0}×");
        }
        return details;
    }

    /// <summary>The NaN alert's detail holding the diagnosis's pin candidates, comma-separated (what the <c>pin</c> policy would pin).</summary>
    public const string PinCandidatesKey = FlightRecordInfo.PinCandidatesKey;

    /// <summary>The NaN alert's detail holding the flight recorder as JSON (<see cref="FlightRecordInfo"/>, oldest first).</summary>
    public const string FlightRecorderKey = FlightRecordInfo.DetailsKey;

    private static Dictionary<string, string> Details(params (string Key, string? Value)[] pairs) =>
        pairs.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
