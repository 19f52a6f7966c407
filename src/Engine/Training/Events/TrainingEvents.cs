using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Training.Events;

/// <summary>
/// Everything a run reports, as plain records (no TorchSharp types): the server forwards them, the headless verb
/// writes them one JSON object per line with a <c>type</c> field (serialise as <see cref="TrainingEvent"/>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MetricsEvent), "metrics")]
[JsonDerivedType(typeof(AlertEvent), "alert")]
[JsonDerivedType(typeof(PrecisionSwitchEvent), "precision_switch")]
[JsonDerivedType(typeof(RollbackEvent), "rollback")]
[JsonDerivedType(typeof(PinEvent), "pin")]
[JsonDerivedType(typeof(CheckpointEvent), "checkpoint")]
[JsonDerivedType(typeof(EvaluationEvent), "evaluation")]
[JsonDerivedType(typeof(StateChangedEvent), "state")]
public abstract record TrainingEvent
{
    /// <summary>The optimizer step the event belongs to (the number of updates done so far).</summary>
    [JsonPropertyName("step")] public required int Step { get; init; }

    [JsonPropertyName("time")] public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>One optimizer step's numbers.</summary>
public sealed record MetricsEvent : TrainingEvent
{
    [JsonPropertyName("tokens_seen")] public required long TokensSeen { get; init; }
    [JsonPropertyName("images_seen")] public required long ImagesSeen { get; init; }

    /// <summary>Mean of the micro-batch losses of this step.</summary>
    [JsonPropertyName("loss")] public required double Loss { get; init; }

    /// <summary>Learning rate per parameter group ("mp", "vision", "language"), frozen groups left out.</summary>
    [JsonPropertyName("lr")] public required IReadOnlyDictionary<string, double> LearningRates { get; init; }

    /// <summary>Total gradient L2 norm before clipping (unscaled).</summary>
    [JsonPropertyName("grad_norm")] public required double GradNorm { get; init; }

    /// <summary>The fp16 loss scale, or null when no scaling is used.</summary>
    [JsonPropertyName("loss_scale")] public double? LossScale { get; init; }

    [JsonPropertyName("precision")] public required string Precision { get; init; }
    [JsonPropertyName("micro_batch")] public required int MicroBatch { get; init; }
    [JsonPropertyName("grad_accum")] public required int GradAccum { get; init; }
    [JsonPropertyName("tokens_per_second")] public required double TokensPerSecond { get; init; }
    [JsonPropertyName("elapsed_seconds")] public required double ElapsedSeconds { get; init; }

    /// <summary>Updates dropped so far (loss-scale overflows and skipped failures).</summary>
    [JsonPropertyName("skipped")] public required int Skipped { get; init; }

    /// <summary>
    /// Every observed module's fp16 headroom, largest |activation| first, on the steps that measured it (every
    /// <c>headroom_interval</c> steps or on request); null on the others.
    /// </summary>
    [JsonPropertyName("headroom")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ModuleHeadroom>? Headroom { get; init; }
}

/// <summary>Kinds of <see cref="AlertEvent"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertKind>))]
public enum AlertKind
{
    /// <summary>A non-finite loss or gradient the loss scaler cannot absorb.</summary>
    [JsonStringEnumMemberName("nan")] Nan,

    /// <summary>fp16 gradients overflowed: the loss scale was halved and the update skipped (normal, occasionally).</summary>
    [JsonStringEnumMemberName("overflow")] Overflow,

    /// <summary>The loss jumped above a multiple of the recent median.</summary>
    [JsonStringEnumMemberName("spike")] Spike,

    /// <summary>A module's activations came within the warning factor of fp16's largest value.</summary>
    [JsonStringEnumMemberName("headroom")] Headroom,

    /// <summary>A checkpoint could not be read when the run rolled back to it (the run fell back to an earlier one).</summary>
    [JsonStringEnumMemberName("checkpoint")] Checkpoint,
}

/// <summary>A warning or failure, with the NaN guard's diagnosis when there is one.</summary>
public sealed record AlertEvent : TrainingEvent
{
    [JsonPropertyName("kind")] public required AlertKind Kind { get; init; }
    [JsonPropertyName("message")] public required string Message { get; init; }

    /// <summary>What was done about it ("stopped", "skipped update", "rolled back", "warned").</summary>
    [JsonPropertyName("action")] public string? Action { get; init; }

    [JsonPropertyName("diagnosis")] public NanDiagnosisReport? Diagnosis { get; init; }

    /// <summary>Headroom alerts: each module below the warning factor with its headroom.</summary>
    [JsonPropertyName("headroom")] public IReadOnlyList<ModuleHeadroom>? Headroom { get; init; }

    /// <summary>
    /// NaN alerts: the flight recorder's last steps up to and including the failing one, oldest first (empty when the
    /// recorder is off).
    /// </summary>
    [JsonPropertyName("flight_recorder")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FlightRecord>? FlightRecorder { get; init; }

    /// <summary>NaN alerts: the folder holding the failing step's weights and batch, for "Replay this step" (null when none was kept).</summary>
    [JsonPropertyName("snapshot")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Snapshot { get; init; }
}

/// <summary>One step as the flight recorder kept it.</summary>
public sealed record FlightRecord
{
    [JsonPropertyName("step")] public required int Step { get; init; }

    /// <summary>"applied", "scale backed off" or "failed".</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }

    [JsonPropertyName("loss")] public required double Loss { get; init; }
    [JsonPropertyName("grad_norm")] public required double GradNorm { get; init; }
    [JsonPropertyName("loss_scale")] public double? LossScale { get; init; }
    [JsonPropertyName("precision")] public required string Precision { get; init; }

    /// <summary>The largest |output| of the tightest modules (those nearest fp16's limit at the last headroom measurement).</summary>
    [JsonPropertyName("modules")] public required IReadOnlyList<ModuleMaxAbs> Modules { get; init; }

    /// <summary>Every sample of the step's micro-batches.</summary>
    [JsonPropertyName("sample_ids")] public required IReadOnlyList<string> SampleIds { get; init; }
}

/// <summary>The largest |output| of one module in one step (NaN or ∞ when it was non-finite).</summary>
public sealed record ModuleMaxAbs(
    [property: JsonPropertyName("module")] string Module,
    [property: JsonPropertyName("max_abs")] double MaxAbs);

/// <summary>The largest |activation| of one module and its fp16 headroom (65504 / max|a|).</summary>
public sealed record ModuleHeadroom(
    [property: JsonPropertyName("module")] string Module,
    [property: JsonPropertyName("max_abs")] double MaxAbs,
    [property: JsonPropertyName("fp16_headroom")] double Fp16Headroom);

/// <summary>The NaN guard's findings for the first non-finite step.</summary>
public sealed record NanDiagnosisReport
{
    /// <summary>"precision overflow", "data" or "divergence" (see <see cref="NanVerdicts"/>).</summary>
    [JsonPropertyName("verdict")] public required string Verdict { get; init; }

    [JsonPropertyName("explanation")] public required string Explanation { get; init; }

    /// <summary>The step that failed (updates done before it).</summary>
    [JsonPropertyName("failed_step")] public required int FailedStep { get; init; }

    [JsonPropertyName("sample_ids")] public required IReadOnlyList<string> SampleIds { get; init; }
    [JsonPropertyName("lr")] public required IReadOnlyDictionary<string, double> LearningRates { get; init; }
    [JsonPropertyName("loss_scale")] public double? LossScale { get; init; }
    [JsonPropertyName("precision")] public required string Precision { get; init; }

    /// <summary>What was non-finite: "loss", "gradients" or "loss scale floor".</summary>
    [JsonPropertyName("symptom")] public required string Symptom { get; init; }

    /// <summary>The first module whose output was non-finite in the run's precision (null if none was).</summary>
    [JsonPropertyName("module")] public string? Module { get; init; }

    [JsonPropertyName("module_input_max_abs")] public double? ModuleInputMaxAbs { get; init; }
    [JsonPropertyName("module_output_max_abs")] public double? ModuleOutputMaxAbs { get; init; }

    /// <summary>The same module's largest |output| when the batch is run in float32.</summary>
    [JsonPropertyName("float32_module_output_max_abs")] public double? Float32ModuleOutputMaxAbs { get; init; }

    /// <summary>Whether the same batch gives a finite loss and gradients in float32.</summary>
    [JsonPropertyName("float32_finite")] public required bool Float32Finite { get; init; }

    /// <summary>The first module whose output was non-finite in float32, if any.</summary>
    [JsonPropertyName("float32_module")] public string? Float32Module { get; init; }

    /// <summary>Parameters that were already non-finite (divergence), at most a few names.</summary>
    [JsonPropertyName("non_finite_parameters")] public IReadOnlyList<string> NonFiniteParameters { get; init; } = [];

    /// <summary>
    /// Precision overflows: the modules that held a value beyond fp16's range (their own output, or an input cast down
    /// to fp16), which computing in float32 would keep finite: what the <c>pin</c> policy pins.
    /// </summary>
    [JsonPropertyName("pin_candidates")] public IReadOnlyList<string> PinCandidates { get; init; } = [];

    /// <summary>The modules that were already computed in float32 when the step failed.</summary>
    [JsonPropertyName("pinned_modules")] public IReadOnlyList<string> PinnedModules { get; init; } = [];

    /// <summary>What is wrong with the failing batch itself, sample by sample (non-finite pixels, no labelled token, all padding).</summary>
    [JsonPropertyName("data_problems")] public IReadOnlyList<string> DataProblems { get; init; } = [];

    /// <summary>The key that says whether two failures are "the same" (verdict and module).</summary>
    [JsonIgnore] public string Signature => $"{Verdict}|{Module ?? Float32Module ?? (NonFiniteParameters.Count > 0 ? NonFiniteParameters[0] : null) ?? Symptom}";
}

/// <summary>The verdicts of a NaN diagnosis.</summary>
public static class NanVerdicts
{
    /// <summary>The run's precision overflowed where float32 stays finite.</summary>
    public const string PrecisionOverflow = "precision overflow";

    /// <summary>float32 fails on this batch too: the samples themselves carry non-finite or absurd values.</summary>
    public const string Data = "data";

    /// <summary>The weights were already non-finite before the step: the optimisation diverged (learning rate).</summary>
    public const string Divergence = "divergence";
}

/// <summary>The run changed precision (and maybe micro-batch and accumulation) after a failure.</summary>
public sealed record PrecisionSwitchEvent : TrainingEvent
{
    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] public required string To { get; init; }
    [JsonPropertyName("micro_batch")] public required int MicroBatch { get; init; }
    [JsonPropertyName("grad_accum")] public required int GradAccum { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
}

/// <summary>Modules were pinned to float32 (or unpinned) while the run keeps its precision.</summary>
public sealed record PinEvent : TrainingEvent
{
    /// <summary>Modules pinned by this event.</summary>
    [JsonPropertyName("added")] public required IReadOnlyList<string> Added { get; init; }

    /// <summary>Modules no longer pinned (the run left fp16, so pins have nothing to do).</summary>
    [JsonPropertyName("removed")] public IReadOnlyList<string> Removed { get; init; } = [];

    /// <summary>Every pinned module after this event.</summary>
    [JsonPropertyName("pinned")] public required IReadOnlyList<string> Pinned { get; init; }

    /// <summary>The share of the model's parameters the pinned modules hold.</summary>
    [JsonPropertyName("parameter_fraction")] public required double ParameterFraction { get; init; }

    [JsonPropertyName("reason")] public required string Reason { get; init; }
}

/// <summary>The run went back to a checkpoint.</summary>
public sealed record RollbackEvent : TrainingEvent
{
    /// <summary>The step the run failed at.</summary>
    [JsonPropertyName("from_step")] public required int FromStep { get; init; }

    /// <summary>The checkpoint's step the run continues from (also <see cref="TrainingEvent.Step"/>).</summary>
    [JsonPropertyName("to_step")] public required int ToStep { get; init; }

    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
}

/// <summary>A checkpoint was written.</summary>
public sealed record CheckpointEvent : TrainingEvent
{
    [JsonPropertyName("path")] public required string Path { get; init; }

    /// <summary>Whether it is now the best by the validation metric.</summary>
    [JsonPropertyName("best")] public bool Best { get; init; }

    /// <summary>Checkpoints deleted by the retention rule.</summary>
    [JsonPropertyName("removed")] public IReadOnlyList<string> Removed { get; init; } = [];
}

/// <summary>A validation pass.</summary>
public sealed record EvaluationEvent : TrainingEvent
{
    [JsonPropertyName("val_loss")] public required double ValLoss { get; init; }

    /// <summary>ANLS from greedy answers, when an evaluator is configured.</summary>
    [JsonPropertyName("anls")] public double? Anls { get; init; }

    [JsonPropertyName("batches")] public required int Batches { get; init; }
    [JsonPropertyName("seconds")] public required double Seconds { get; init; }
}

/// <summary>Run states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingState>))]
public enum TrainingState
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("paused")] Paused,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>The run moved to another state.</summary>
public sealed record StateChangedEvent : TrainingEvent
{
    [JsonPropertyName("state")] public required TrainingState State { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
}
