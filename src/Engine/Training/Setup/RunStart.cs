using NanoVlm.Engine.Checkpoints.Sources;

namespace NanoVlm.Engine.Training.Setup;

/// <summary>Where a run continues from, and what the user changed for the continuation.</summary>
/// <param name="Checkpoint">a training checkpoint folder (holds trainer_state.json)</param>
/// <param name="Precision">the precision to continue in; null keeps the checkpoint's (which a recovery may have widened)</param>
/// <param name="HalveMicroBatch">continue with half the micro-batch and twice the accumulation (the same effective batch)</param>
public sealed record ResumeRequest(string Checkpoint, PrecisionMode? Precision = null, bool HalveMicroBatch = false);

/// <summary>What a run starts from besides its configuration: fresh weights, existing weights, a resumed checkpoint, a tokenizer file.</summary>
public sealed record RunStart
{
    /// <summary>Continue a run exactly (weights, optimizer, schedule, data position), optionally in another precision.</summary>
    public ResumeRequest? Resume { get; init; }

    /// <summary>
    /// Existing weights the run starts from (a nanoVLM checkpoint, an imported model, a run's checkpoint): the run
    /// trains the source's architecture with its tokenizer, from step 0 with a fresh optimizer.
    /// </summary>
    public ModelSource? Init { get; init; }

    /// <summary>The tokenizer.json of a model whose vocabulary is not the built-in tokenizer's (an init brings its own).</summary>
    public string? TokenizerPath { get; init; }

    public static RunStart Fresh { get; } = new();
}
