using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Guard;

namespace NanoVlm.Engine.Training;

/// <summary>Computes validation ANLS (greedy answers on a fixed question set); called on the training thread without gradients.</summary>
public delegate double AnlsEvaluator(VisionLanguageModel model, int step);

/// <summary>What a run needs besides its <see cref="TrainingConfig"/> (things that do not belong in <c>run.json</c>).</summary>
public sealed record TrainerOptions
{
    /// <summary>Where checkpoints go; without one there is nothing to roll back to, so <c>recover</c> stops instead.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Where a failing step's weights and batch are kept for "Replay this step" (<c>RUN/failures</c>); null keeps none.</summary>
    public string? FailureDirectory { get; init; }

    /// <summary>A training checkpoint (folder with <c>trainer_state.json</c>) to continue from exactly.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>The precision to continue a resumed run in, instead of the checkpoint's (a user's or a recovery action's choice).</summary>
    public ComputePrecision? ResumePrecision { get; init; }

    /// <summary>Continue a resumed run with half the checkpoint's micro-batch and twice its accumulation.</summary>
    public bool ResumeHalvesMicroBatch { get; init; }

    /// <summary>A nanoVLM checkpoint (config.json + model.safetensors) whose weights to start from.</summary>
    public string? InitialWeights { get; init; }

    public AnlsEvaluator? Evaluator { get; init; }

    /// <summary>Overrides the detected device capabilities (tests use it to rehearse a device without fast bf16).</summary>
    public DeviceCapabilities? Capabilities { get; init; }

    /// <summary>Tests only: see <see cref="ITrainingFaultInjector"/>.</summary>
    public ITrainingFaultInjector? FaultInjector { get; init; }
}

/// <summary>How a run ended.</summary>
public sealed record TrainingOutcome(
    Events.TrainingState State,
    int Step,
    string? Reason,
    Events.NanDiagnosisReport? Diagnosis,
    string? LastCheckpoint);
