using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Refusals;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Precision;

namespace NanoVlm.Engine.Training.Setup;

/// <summary>
/// A run that can start: its configuration checked once, its model, device and precision resolved once. Every way of
/// starting a run (the <c>train</c> verb, the dashboard's queue, the API) makes one with <see cref="Check"/> at its
/// edge and starts it with <see cref="Launch"/>; nothing after that validates again.
/// </summary>
public sealed class RunSetup
{
    private RunSetup(TrainingConfig config, VlmConfig model, EngineDevice device, PrecisionPolicy precisions, RunStart start,
        TrainerState? resumedState)
    {
        Config = config;
        Model = model;
        Device = device;
        Precisions = precisions;
        Start = start;
        StartStep = resumedState?.Step ?? 0;
        var resume = start.Resume;
        Precision = resume?.Precision is { } asked ? precisions.Resolve(asked, model)
            : resumedState?.Precision ?? precisions.Resolve(config.Precision, model);
        var (microBatch, gradAccum) = resumedState is null ? (config.BatchSize, config.GradAccum) : (resumedState.MicroBatch, resumedState.GradAccum);
        (MicroBatch, GradAccum) = resume?.HalveMicroBatch == true && microBatch > 1 ? (microBatch / 2, gradAccum * 2) : (microBatch, gradAccum);
    }

    public TrainingConfig Config { get; }

    /// <summary>The model the run trains (the configuration's, resolved).</summary>
    public VlmConfig Model { get; }

    public EngineDevice Device { get; }

    /// <summary>The precision rules for this device, which the trainer and its NaN guard use as well.</summary>
    public PrecisionPolicy Precisions { get; }

    public RunStart Start { get; }

    /// <summary>What the run computes in at its first step: the resumed checkpoint's or the asked precision, resolved.</summary>
    public ComputePrecision Precision { get; }

    /// <summary>The step the run starts at (0, or the resumed checkpoint's).</summary>
    public int StartStep { get; }

    /// <summary>The tokenizer.json the run's data is encoded with (null: the built-in tokenizer).</summary>
    public string? TokenizerPath => Start.TokenizerPath ?? Start.Init?.Tokenizer.File ?? RunFolderTokenizer(Start.Resume?.Checkpoint);

    /// <summary>The micro-batch and accumulation of the first step (a resume continues the checkpoint's, maybe halved).</summary>
    public int MicroBatch { get; }

    public int GradAccum { get; }

    /// <summary>
    /// Checks everything that can be checked before a run starts, reporting every problem at once in a
    /// <see cref="RunSetupException"/>: the configuration's values, the device, the precision on that device, and the
    /// checkpoint a resume continues from. A run that starts from existing weights (<see cref="RunStart.Init"/>) trains
    /// their architecture, whatever the configuration's model. Whether it fits in memory is <see cref="MemoryProblem"/>'s
    /// question, asked by the edges that start runs (an estimate is wanted for runs that do not fit too).
    /// </summary>
    /// <param name="capabilities">overrides the detected device capabilities (tests rehearse other devices)</param>
    public static RunSetup Check(TrainingConfig config, RunStart? start = null, DeviceCapabilities? capabilities = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        start ??= RunStart.Fresh;
        if (start.Init is { } init) config = config with { Model = init.Config, Init = init.Directory };
        var problems = new List<string>(config.Validate());
        EngineDevice? device = null;
        try
        {
            device = EngineDevice.Resolve(config.Device);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            problems.Add(e.Message);
        }
        if (problems.Count > 0 || device is null) throw new RunSetupException(problems);

        var model = config.ResolveModel();
        var precisions = new PrecisionPolicy(capabilities ?? DeviceCapabilities.Detect(device));
        if (precisions.Unavailable(config.Precision) is { } precisionProblem) problems.Add(precisionProblem);
        var resumed = start.Resume is { } resume ? CheckResume(resume, config, precisions, problems) : null;
        if (start.Init is not null && start.Resume is not null)
            problems.Add("A run either resumes a checkpoint or starts from existing weights (init), not both.");
        if (problems.Count > 0) throw new RunSetupException(problems);
        return new RunSetup(config, model, device, precisions, start, resumed);
    }

    /// <summary>
    /// Why the run would not fit in the memory at hand (needed against available, and what would fit), or null when it
    /// fits. Only for CPU runs: GPU memory is the device's to refuse, while a CPU run that cannot fit would only find out
    /// by swapping or being killed.
    /// </summary>
    /// <param name="memory">the memory the run may take (default: what the machine has available now)</param>
    public string? MemoryProblem(AvailableMemory? memory = null)
    {
        if (Device.IsCuda) return null;
        try
        {
            MemoryFit.Ensure(Config with { BatchSize = MicroBatch, GradAccum = GradAccum }, Precision, memory ?? MachineMemory.Available());
            return null;
        }
        catch (InsufficientMemoryForRunException e)
        {
            return e.Message;
        }
    }

    /// <summary>The memory the run needs at its first step's precision and micro-batch.</summary>
    public MemoryEstimate Estimate() => MemoryEstimate.For(Config with { BatchSize = MicroBatch, GradAccum = GradAccum }, Precision);

    /// <summary>What <c>train --estimate</c> prints: the estimate against the machine's memory.</summary>
    public string DescribeEstimate()
    {
        long? available = Device.IsCuda ? null : MachineMemoryBytes();
        return $"{Config.ModelPreset}, {Precision.Label()}, batch {MicroBatch} × length {Config.MaxLength}:\n{Estimate().Describe(available)}";
    }

    /// <summary>Starts the run in <paramref name="folder"/>: prepares its data, writes run.json and starts the training thread.</summary>
    public LaunchedRun Launch(string folder, LaunchOptions? options = null) => LaunchedRun.Start(this, folder, options ?? new LaunchOptions());

    /// <summary>What the trainer needs from this setup (it resolves nothing again).</summary>
    internal TrainerOptions TrainerOptions(string folder, LaunchOptions options, AnlsEvaluator? evaluator) => new()
    {
        CheckpointDirectory = Path.Combine(folder, RunFiles.CheckpointsFolder),
        FailureDirectory = Path.Combine(folder, Guard.FailureSnapshots.FolderName),
        ResumeFrom = Start.Resume?.Checkpoint,
        ResumePrecision = Start.Resume?.Precision is null ? null : Precision,
        ResumeHalvesMicroBatch = Start.Resume?.HalveMicroBatch == true,
        InitialWeights = Start.Init?.Directory,
        Evaluator = evaluator,
        Capabilities = Precisions.Capabilities,
        FaultInjector = options.FaultInjector,
    };

    private static TrainerState? CheckResume(ResumeRequest resume, TrainingConfig config, PrecisionPolicy precisions, List<string> problems)
    {
        TrainerState state;
        try
        {
            state = CheckpointStore.ReadState(resume.Checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException)
        {
            problems.Add($"Cannot resume from '{resume.Checkpoint}': {e.Message}");
            return null;
        }
        if (state.Schedule.MaxSteps != config.MaxSteps)
            problems.Add($"The checkpoint was trained with a {state.Schedule.MaxSteps}-step schedule and this run has {config.MaxSteps}; " +
                         "a resume keeps the schedule. To train further, fork a new run from the checkpoint.");
        if (state.Step >= config.MaxSteps)
            problems.Add($"The checkpoint is at step {state.Step}, the run's last step ({config.MaxSteps}): there is nothing left to resume. " +
                         "To train further, fork a new run from it.");
        if (resume.Precision is { } asked && precisions.Unavailable(asked) is { } problem) problems.Add(problem);
        return state;
    }

    /// <summary>The tokenizer.json a run started from existing weights keeps in its folder (RUN/checkpoints/step_N → RUN).</summary>
    private static string? RunFolderTokenizer(string? checkpoint)
    {
        var run = checkpoint is null ? null : Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(checkpoint)));
        var file = run is null ? null : Path.Combine(run, ModelSourceResolver.TokenizerFileName);
        return file is not null && File.Exists(file) ? file : null;
    }

    private static long? MachineMemoryBytes()
    {
        var info = GC.GetGCMemoryInfo();
        return info.TotalAvailableMemoryBytes > 0 ? info.TotalAvailableMemoryBytes : null;
    }
}
