using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Checkpoints.Sources;

/// <summary>What kind of folder a model to start from is.</summary>
public enum ModelSourceKind
{
    /// <summary>nanoVLM's <c>save_pretrained</c> layout (<c>config.json</c> + <c>model.safetensors</c>), as its published checkpoints are.</summary>
    NanoVlmCheckpoint,

    /// <summary>A checkpoint this project built from Hugging Face SigLIP + SmolLM2/Llama folders (it carries <c>import.json</c>).</summary>
    HuggingFaceImport,

    /// <summary>A checkpoint of a training run (<c>RUN/checkpoints/step_N</c> with <c>trainer_state.json</c>).</summary>
    RunCheckpoint,
}

/// <summary>The run a checkpoint belongs to: what a run started from it records as its parent.</summary>
/// <param name="RunDirectory">the run's folder (full path)</param>
/// <param name="RunName">the run folder's name</param>
/// <param name="Step">the optimizer step the checkpoint was written at</param>
/// <param name="Checkpoint">the checkpoint folder (full path)</param>
public sealed record ParentRun(string RunDirectory, string RunName, int Step, string Checkpoint);

/// <summary>
/// A model to start a run from, recognised and checked without allocating it: its config, weights file, the tokenizer
/// its ids belong to, its size and where it came from. <see cref="ModelSourceResolver.Resolve"/> makes one.
/// </summary>
public sealed record ModelSource
{
    public required ModelSourceKind Kind { get; init; }

    /// <summary>The checkpoint folder (full path): the folder given, or a run folder's latest checkpoint.</summary>
    public required string Directory { get; init; }

    /// <summary>The architecture, from the folder's <c>config.json</c>; a run started from here trains exactly this.</summary>
    public required VlmConfig Config { get; init; }

    /// <summary>What was odd about <c>config.json</c> (unknown or missing fields).</summary>
    public required IReadOnlyList<string> ConfigWarnings { get; init; }

    /// <summary><c>model.safetensors</c>, checked against <see cref="Config"/> from its header.</summary>
    public required string WeightsFile { get; init; }

    /// <summary>The tokenizer to train, evaluate and answer with, already checked against the vocabulary.</summary>
    public required TokenizerChoice Tokenizer { get; init; }

    /// <summary>Parameters per part, the tied embedding/head counted once.</summary>
    public required ParameterBreakdown Parameters { get; init; }

    /// <summary>For <see cref="ModelSourceKind.RunCheckpoint"/>: the run and step it comes from.</summary>
    public ParentRun? Parent { get; init; }

    /// <summary>For <see cref="ModelSourceKind.HuggingFaceImport"/>: the backbones and tokenizer it was built from.</summary>
    public ImportRecord? Import { get; init; }

    /// <summary>One line for people: what it is, where, and its size.</summary>
    public required string Description { get; init; }
}
