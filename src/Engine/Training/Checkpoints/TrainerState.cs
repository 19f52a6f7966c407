using System.Text.Json.Serialization;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Optimization;

namespace NanoVlm.Engine.Training.Checkpoints;

/// <summary>One change of precision in a run's life.</summary>
public sealed record PrecisionChange(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("precision")] ComputePrecision Precision,
    [property: JsonPropertyName("micro_batch")] int MicroBatch,
    [property: JsonPropertyName("grad_accum")] int GradAccum,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// Everything besides weights and optimizer moments that a run needs to continue exactly where it was
/// (<c>trainer_state.json</c> in a checkpoint).
/// </summary>
public sealed record TrainerState
{
    [JsonPropertyName("step")] public required int Step { get; init; }
    [JsonPropertyName("tokens_seen")] public required long TokensSeen { get; init; }
    [JsonPropertyName("images_seen")] public required long ImagesSeen { get; init; }
    [JsonPropertyName("skipped")] public required int Skipped { get; init; }
    [JsonPropertyName("data_position")] public required DataPosition DataPosition { get; init; }
    [JsonPropertyName("precision")] public required ComputePrecision Precision { get; init; }
    [JsonPropertyName("micro_batch")] public required int MicroBatch { get; init; }
    [JsonPropertyName("grad_accum")] public required int GradAccum { get; init; }
    [JsonPropertyName("precision_history")] public required IReadOnlyList<PrecisionChange> PrecisionHistory { get; init; }
    [JsonPropertyName("loss_scaler")] public required LossScalerState LossScaler { get; init; }

    /// <summary>Modules computed in float32 inside the run's precision (null in older checkpoints).</summary>
    [JsonPropertyName("pinned_modules")] public IReadOnlyList<string>? PinnedModules { get; init; }
    [JsonPropertyName("optimizer_steps")] public required long OptimizerSteps { get; init; }

    /// <summary>The LR schedule's position is <see cref="Step"/>; its shape is recorded to refuse a mismatched resume.</summary>
    [JsonPropertyName("schedule")] public required ScheduleState Schedule { get; init; }

    /// <summary>libtorch's CPU generator state, base64.</summary>
    [JsonPropertyName("torch_rng_state")] public required string TorchRngState { get; init; }

    [JsonPropertyName("loss_window")] public required IReadOnlyList<double> LossWindow { get; init; }

    /// <summary>Seconds spent training up to this step, over every earlier resume (null in older checkpoints).</summary>
    [JsonPropertyName("elapsed_seconds")] public double? ElapsedSeconds { get; init; }

    /// <summary>The validation loss and ANLS of the latest evaluation at or before this step, if any.</summary>
    [JsonPropertyName("val_loss")] public double? ValLoss { get; init; }
    [JsonPropertyName("anls")] public double? Anls { get; init; }

    /// <summary>The best validation metric so far and where it was saved.</summary>
    [JsonPropertyName("best")] public BestCheckpoint? Best { get; init; }

    [JsonPropertyName("config")] public required TrainingConfig Config { get; init; }
}

public sealed record ScheduleState(
    [property: JsonPropertyName("max_steps")] int MaxSteps,
    [property: JsonPropertyName("warmup_steps")] int WarmupSteps,
    [property: JsonPropertyName("min_lr_fraction")] double MinLrFraction);

/// <summary>
/// The best checkpoint by the validation metric: ANLS (higher is better) when evaluated, else validation loss (lower is
/// better). Equal ANLS goes to the lower validation loss, so a run whose ANLS stays at 0 keeps its best-fitting
/// checkpoint rather than the untrained step 0.
/// </summary>
public sealed record BestCheckpoint(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("val_loss")] double? ValLoss = null)
{
    public bool IsBeatenBy(string metric, double value, double? valLoss) =>
        metric != Metric
        || (metric == "anls"
            ? value > Value || (value == Value && valLoss is { } loss && (ValLoss is not { } best || loss < best))
            : value < Value);
}
