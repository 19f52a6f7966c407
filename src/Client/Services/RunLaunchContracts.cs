namespace NanoVlm.Client.Services;

/// <summary>The New run form. Names follow the train verb's run.json; the server turns it into a training configuration.</summary>
public sealed record RunRequest
{
    public string Name { get; init; } = "";

    /// <summary>The training preset whose settings the fields start from; with no <see cref="Init"/>, also the model trained from scratch.</summary>
    public string Preset { get; init; } = "tiny";

    /// <summary>
    /// Existing weights to start from: a registered model's id (<c>checkpoint:FOLDER</c>) or a folder under
    /// Storage:ModelRoots or the data folder; empty to train the preset's model from scratch.
    /// </summary>
    public string Init { get; init; } = "";

    public string Precision { get; init; } = "auto";
    public int BatchSize { get; init; } = 8;
    public int GradAccum { get; init; } = 1;
    public int MaxLength { get; init; } = 128;
    public double LrProjector { get; init; } = 3e-3;
    public double LrVision { get; init; }
    public double LrLanguage { get; init; } = 1e-3;
    public int Steps { get; init; } = 2500;
    public double WarmupFraction { get; init; } = 0.03;
    public int EvalInterval { get; init; } = 100;
    public int CheckpointInterval { get; init; } = 250;
    public string Data { get; init; } = "synthetic:easy";
    public int Seed { get; init; }
    public string NanPolicy { get; init; } = "recover";

    /// <summary>Where the run trains: "in-process" (this server, TorchSharp), "torchrun" (PyTorch DDP on this machine) or "slurm" (a job on the cluster).</summary>
    public string Engine { get; init; } = "in-process";

    /// <summary>torchrun and Slurm: worker processes per node (one per GPU); <see cref="BatchSize"/> is per process.</summary>
    public int ProcessesPerNode { get; init; } = 1;

    /// <summary>Slurm: nodes of the job (torchrun here runs on this machine only).</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>Slurm: the partition; empty: Engines:Slurm:Partition.</summary>
    public string Partition { get; init; } = "";

    /// <summary>Slurm: the time limit (HH:MM:SS, D-HH:MM:SS); empty: Engines:Slurm:TimeLimit.</summary>
    public string TimeLimit { get; init; } = "";

    /// <summary>torchrun and Slurm: the Python with PyTorch; empty: Engines:Python. Others must be listed in Engines:AllowedPythons.</summary>
    public string Python { get; init; } = "";
}

/// <summary>An engine the form's Where selector offers, with whether it can run here and why not (what to install).</summary>
public sealed record EngineOption(string Value, string Label, bool Available, string? Note);

/// <summary>What the form shows beside itself: the memory a run needs against the machine, and whether max_length fits.</summary>
public sealed record RunEstimate(long MemoryBytes, long DeviceMemoryBytes, string MemoryBreakdown, string? MaxLengthProblem, string PrecisionNote, long Parameters);

/// <summary>Something a run can start from, as the form's Start from selector lists it.</summary>
/// <param name="Value">"preset:NAME" (from scratch) or a model id (<c>checkpoint:FOLDER</c>)</param>
/// <param name="Group">"Presets (from scratch)", "Registered models", "Run checkpoints"</param>
public sealed record StartChoice(string Value, string Label, string Group, long Parameters);

/// <summary>A precision option with whether this machine can run it and why not.</summary>
public sealed record PrecisionOption(string Value, string Label, bool Enabled, string? Note);

/// <summary>Starts, stops and resumes runs.</summary>
public interface IRunLauncher
{
    IReadOnlyList<string> Presets { get; }

    /// <summary>The precisions the form offers for the request's model on this machine, with what each computes in.</summary>
    IReadOnlyList<PrecisionOption> PrecisionOptions(RunRequest request);

    /// <summary>The engines a run can train on, each with whether it is usable here and what is missing when it is not.</summary>
    IReadOnlyList<EngineOption> EngineOptions();

    /// <summary>The form's defaults for a preset (learning rates, batch, max_length...).</summary>
    RunRequest DefaultsFor(string preset);

    /// <summary>What a run can start from: the presets, then registered models and run checkpoints.</summary>
    IReadOnlyList<StartChoice> StartChoices();

    /// <summary>
    /// The form's defaults for a run from existing weights: a fork takes its parent run's settings, a nanoVLM model the
    /// nearest nanoVLM preset's. Throws <see cref="ArgumentException"/> saying why the weights cannot be used.
    /// </summary>
    RunRequest DefaultsForInit(string init);

    /// <summary>Every problem with the request, keyed by field name ("" for the whole request).</summary>
    IReadOnlyDictionary<string, string[]> Validate(RunRequest request);

    RunEstimate Estimate(RunRequest request);

    /// <summary>Queues the run; throws <see cref="ArgumentException"/> listing problems when the request is invalid.</summary>
    RunSummary Start(RunRequest request);

    bool Cancel(string runId);

    /// <summary>
    /// Continues a stopped run from its last checkpoint, optionally in another precision, and with
    /// <paramref name="halveMicroBatch"/> at half the micro-batch and twice the accumulation (same effective batch).
    /// </summary>
    RunSummary ResumeRun(string runId, string? precision = null, bool halveMicroBatch = false);

    /// <summary>The run's checkpoints, newest first, as playground model ids.</summary>
    IReadOnlyList<(int Step, string ModelId)> Checkpoints(string runId);
}
