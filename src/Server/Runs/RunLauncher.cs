using System.Globalization;
using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Engine.Training.Setup;
using NanoVlm.Engine.Training.Sources;
using NanoVlm.Server.Engine;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Live;
using NanoVlm.Server.Storage;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Runs;

/// <summary>
/// The New run form's server side and the run controls: turns a <see cref="RunRequest"/> into a checked
/// <see cref="RunSetup"/>, estimates it, queues it, and cancels or resumes runs.
/// </summary>
public sealed class RunLauncher(
    RunStore store,
    TrainingRunService runs,
    RunFolders folders,
    RunUpdatePublisher publisher,
    EngineRuntime engine,
    AllowedRoots allowedRoots,
    ModelCatalog catalog,
    ModelSources sources,
    ExternalEngineAvailability externalEngines) : IRunLauncher
{
    /// <summary>A checked run of the PyTorch engine: where it trains, and its configuration with its init applied.</summary>
    private sealed record ExternalStart(ExternalEngineChoice Choice, TrainingConfig Config, NanoVlm.Engine.Checkpoints.Sources.ModelSource? Init);

    public IReadOnlyList<string> Presets => TrainingPresets.Names;

    public IReadOnlyList<PrecisionOption> PrecisionOptions(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = TryInit(request)?.Config ?? RunRequestConfig.PresetConfig(request.Preset).ResolveModel();
        return [.. engine.Precisions.Choices(model).Select(choice => new PrecisionOption(choice.Name, choice.Label, choice.Available, choice.Note))];
    }

    public IReadOnlyList<EngineOption> EngineOptions() => externalEngines.Options();

    public RunRequest DefaultsFor(string preset) => RunRequestConfig.Defaults(preset);

    public IReadOnlyList<StartChoice> StartChoices()
    {
        var presets = TrainingPresets.Names.Select(name => new StartChoice(StartChoicePreset + name, name, "Presets (from scratch)",
            ParameterCount.Of(RunRequestConfig.PresetConfig(name).ResolveModel()).Total));
        var checkpoints = catalog.List().Where(m => m.Id.StartsWith(ModelCatalog.CheckpointPrefix, StringComparison.Ordinal))
            .Select(m => new StartChoice(m.Id, m.Name, m.Source.StartsWith("run ", StringComparison.Ordinal) ? "Run checkpoints" : "Registered models", m.Parameters));
        return [.. presets, .. checkpoints.OrderBy(c => c.Group, StringComparer.Ordinal)];
    }

    public RunRequest DefaultsForInit(string init)
    {
        var source = sources.Resolve(init);
        var config = FineTuneDefaults.For(source);
        var preset = TrainingPresets.Names.FirstOrDefault(n => string.Equals(n, config.ModelPreset, StringComparison.OrdinalIgnoreCase))
                     ?? FineTuneDefaults.NearestNanoVlmPresetName(source.Config);
        return RunRequestConfig.FromConfig(config, preset) with { Init = init };
    }

    /// <summary>The Start from selector's value for a preset trained from scratch.</summary>
    public const string StartChoicePreset = "preset:";

    public IReadOnlyDictionary<string, string[]> Validate(RunRequest request) => Check(request).Errors;

    public RunEstimate Estimate(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RunSetup setup;
        try
        {
            setup = RunSetup.Check(ToConfig(request), StartOf(request, sources.Resolve), engine.Precisions.Capabilities);
        }
        catch (RunSetupException e)
        {
            throw new ArgumentException(string.Join(" ", e.Problems), nameof(request));
        }
        var estimate = setup.Estimate();
        var device = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var breakdown = string.Create(CultureInfo.InvariantCulture,
            $"weights {Mib(estimate.ParameterBytes)}, gradients {Mib(estimate.GradientBytes)}, optimizer {Mib(estimate.OptimizerBytes)}, activations {Mib(estimate.ActivationBytes)}, workspace {Mib(estimate.WorkspaceBytes)}");
        return new RunEstimate(estimate.TotalBytes, device, breakdown, MaxLengthProblem(setup.Config, setup.Start.Init), $"computes in {setup.Precision.Label()}",
            ParameterCount.Of(setup.Model).Total);
    }

    public RunSummary Start(RunRequest request)
    {
        var (errors, setup, external) = Check(request);
        if (setup is null && external is null)
        {
            throw new ArgumentException(string.Join(" ", errors.SelectMany(e => e.Value)));
        }
        var config = setup?.Config ?? external!.Config;
        var id = NewRunId();
        var init = setup is not null ? setup.Start.Init : external!.Init;
        var parent = init?.Parent is { } p ? store.GetRun(Path.GetFileName(p.RunDirectory)) : null;
        var document = new RunDocument
        {
            Id = id,
            Name = string.IsNullOrWhiteSpace(request.Name) ? $"{(init is null ? request.Preset : parent?.Name ?? Path.GetFileName(init.Directory))}-{id[^4..]}" : request.Name.Trim(),
            Status = RunStatus.Queued,
            Model = (init is null ? request.Preset : $"{ModelLabel(init, parent)} ({request.Preset} settings)") + (external is null ? "" : $" on {external.Choice.Label}"),
            Init = init?.Directory,
            ParentRunId = parent?.Id,
            ParentStep = parent is null ? null : init!.Parent!.Step,
            Precision = setup?.Precision.Label() ?? request.Precision,
            TotalSteps = config.MaxSteps,
            CreatedAt = DateTime.UtcNow,
            ConfigurationJson = JsonSerializer.Serialize(config, RunFiles.Json),
            OutputDirectory = folders.Of(id),
            EngineJson = external is null ? null : JsonSerializer.Serialize(external.Choice),
        };
        store.Upsert(document);
        var summary = document.ToSummary();
        publisher.Publish(new RunUpdate.Summary(id, summary));
        if (external is null)
        {
            runs.Enqueue(id, setup!);
        }
        else
        {
            runs.Enqueue(id, external.Choice.Plan(config, document.OutputDirectory, externalEngines.Settings, allowedRoots.DataImages, external.Init?.Tokenizer.File));
        }
        return summary;
    }

    public bool Cancel(string runId) => runs.Cancel(runId);

    public RunSummary ResumeRun(string runId, string? precision = null, bool halveMicroBatch = false)
    {
        var document = store.GetDocument(runId) ?? throw new KeyNotFoundException($"There is no run '{runId}'.");
        PrecisionMode? asked = null;
        if (precision is not null)
        {
            asked = PrecisionPolicy.TryParse(precision, out var mode)
                ? mode
                : throw new ArgumentException($"precision must be {PrecisionPolicy.Names}, or left out to keep the run's; got '{precision}'.", nameof(precision));
        }
        if (document.Status is RunStatus.Queued or RunStatus.Running or RunStatus.Paused)
        {
            throw new InvalidOperationException($"Run '{document.Name}' is {document.Status.ToString().ToLowerInvariant()}; only a stopped run can be resumed.");
        }
        if (document.Status == RunStatus.Completed)
        {
            throw new InvalidOperationException($"Run '{document.Name}' is complete: it ran all its {document.TotalSteps} steps, so there is nothing to resume. " +
                                                "To train it further, start a new run from its last checkpoint.");
        }
        var checkpoint = (string.IsNullOrEmpty(document.OutputDirectory) ? null : TrainingRunService.LatestCheckpoint(document.OutputDirectory))
            ?? throw new InvalidOperationException($"Run '{document.Name}' has no checkpoint to resume from.");
        var config = JsonSerializer.Deserialize<TrainingConfig>(document.ConfigurationJson, RunFiles.Json)
            ?? throw new InvalidDataException($"The stored configuration of run '{runId}' cannot be read.");
        // run.json records what the user asked for last; the trainer applies it on top of the checkpoint.
        if (asked is { } askedMode) config = config with { Precision = askedMode };
        if (halveMicroBatch) config = config with { BatchSize = Math.Max(1, config.BatchSize / 2), GradAccum = config.GradAccum * 2 };
        if (document.EngineJson is { } engineJson)
        {
            return ResumeExternal(document, JsonSerializer.Deserialize<ExternalEngineChoice>(engineJson)!, config, checkpoint,
                asked is { } mode ? PrecisionPolicy.Name(mode) : null, halveMicroBatch);
        }
        RunSetup setup;
        try
        {
            setup = RunSetup.Check(config, new RunStart { Resume = new ResumeRequest(checkpoint.Path, asked, halveMicroBatch) }, engine.Precisions.Capabilities);
        }
        catch (RunSetupException e)
        {
            // Checked before anything changes: a run that cannot resume stays exactly as it was.
            throw new InvalidOperationException(string.Join(" ", e.Problems), e);
        }

        var changes = asked is null && !halveMicroBatch ? "" : $" in {setup.Precision.Label()}, micro-batch {setup.MicroBatch} × {setup.GradAccum}";
        var summary = MarkResumed(runId, checkpoint, changes, config, setup.Precision.Label());
        runs.Enqueue(runId, setup);
        return summary;
    }

    /// <summary>A run of the PyTorch engine continues on the same engine, from the newest checkpoint of its folder.</summary>
    private RunSummary ResumeExternal(RunDocument document, ExternalEngineChoice choice, TrainingConfig config,
        NanoVlm.Engine.Training.Checkpoints.CheckpointInfo checkpoint, string? precision, bool halveMicroBatch)
    {
        var problems = new List<string>();
        choice.Check(externalEngines, (_, problem) => problems.Add(problem));
        var plan = choice.Plan(config, document.OutputDirectory, externalEngines.Settings, allowedRoots.DataImages,
            resumeCheckpoint: checkpoint.Path, resumePrecision: precision, halveMicroBatch: halveMicroBatch);
        problems.AddRange(plan.Validate());
        // Checked before anything changes: a run that cannot resume stays exactly as it was.
        if (problems.Count > 0) throw new InvalidOperationException(string.Join(" ", problems));
        var changes = precision is null && !halveMicroBatch ? "" : $" in {precision ?? "the checkpoint's precision"}{(halveMicroBatch ? ", half the micro-batch" : "")}";
        var summary = MarkResumed(document.Id, checkpoint, changes + $" on {choice.Label}", config, precision ?? document.Precision);
        runs.Enqueue(document.Id, plan);
        return summary;
    }

    /// <summary>Records the resume (event, curves cut back to the checkpoint, queued again) and returns the run's summary.</summary>
    private RunSummary MarkResumed(string runId, NanoVlm.Engine.Training.Checkpoints.CheckpointInfo checkpoint, string changes, TrainingConfig config, string precision)
    {
        // The curves continue from the checkpoint: what was recorded after it belongs to the abandoned tail.
        store.DeleteMetricsAfter(runId, checkpoint.Step);
        var info = new RunEventInfo(runId, checkpoint.Step, DateTimeOffset.UtcNow, "resume", RunEventSeverity.Info,
            $"Resumed from step {checkpoint.Step}{changes}", new Dictionary<string, string> { ["checkpoint"] = checkpoint.Path });
        store.AppendEvent(info);
        publisher.Publish(new RunUpdate.Happened(runId, info));
        var summary = store.Update(runId, r =>
        {
            r.Status = RunStatus.Queued;
            r.Step = checkpoint.Step;
            r.EndedAt = null;
            r.Error = null;
            r.ConfigurationJson = JsonSerializer.Serialize(config, RunFiles.Json);
            r.Precision = precision;
        })!;
        publisher.Publish(new RunUpdate.Summary(runId, summary));
        return summary;
    }

    public IReadOnlyList<(int Step, string ModelId)> Checkpoints(string runId)
    {
        var document = store.GetDocument(runId);
        // Runs recorded without a folder (imported records, older versions) have no checkpoints to offer.
        if (string.IsNullOrEmpty(document?.OutputDirectory)) return [];
        var directory = Path.Combine(document.OutputDirectory, RunFiles.CheckpointsFolder);
        if (!Directory.Exists(directory)) return [];
        return [.. new NanoVlm.Engine.Training.Checkpoints.CheckpointStore(directory).List().Reverse().Select(c => (c.Step, ModelCatalog.CheckpointPrefix + c.Path))];
    }

    /// <summary>
    /// The request checked once: its fields' ranges and names, its data path, then the run as it would start
    /// (<see cref="RunSetup.Check"/>). Errors are keyed by field ("" for the whole request); the setup is null when there are any.
    /// </summary>
    private (IReadOnlyDictionary<string, string[]> Errors, RunSetup? Setup, ExternalStart? External) Check(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (!Presets.Contains(request.Preset, StringComparer.OrdinalIgnoreCase)) Add(nameof(RunRequest.Preset), $"Unknown preset '{request.Preset}'; choose one of {string.Join(", ", Presets)}.");
        if (!PrecisionPolicy.TryParse(request.Precision, out _)) Add(nameof(RunRequest.Precision), $"Choose {PrecisionPolicy.Names}.");
        RunRequestBounds.Check(request, Add);
        if (!errors.ContainsKey(nameof(RunRequest.Data))
            && (IsSynthetic(request.Data) ? SyntheticDataProblem(request.Data) : DataPathProblem(request.Data)) is { } dataProblem)
            Add(nameof(RunRequest.Data), dataProblem);

        var choice = ExternalEngineChoice.Of(request);
        choice.Check(externalEngines, Add);

        RunStart? start = null;
        try
        {
            start = StartOf(request, sources.Resolve);
        }
        catch (ArgumentException e)
        {
            Add(nameof(RunRequest.Init), e.Message);
        }

        RunSetup? setup = null;
        ExternalStart? external = null;
        if (errors.Count == 0 && choice.IsExternal)
        {
            // The PyTorch engine resolves its device and precision where it runs (a GPU node, perhaps): only the
            // configuration itself is checked here, and the memory estimate (of this engine) does not apply.
            var config = RunRequestConfig.ToConfig(request, TrainingConfig.AutoDevice);
            if (start?.Init is { } init) config = config with { Model = init.Config, Init = init.Directory };
            foreach (var problem in config.Validate()) Add("", problem);
            if (MaxLengthProblem(config, start?.Init) is { } tooShort) Add(nameof(RunRequest.MaxLength), tooShort);
            external = new ExternalStart(choice, config, start?.Init);
        }
        else if (errors.Count == 0)
        {
            try
            {
                setup = RunSetup.Check(ToConfig(request), start, engine.Precisions.Capabilities);
                if (MaxLengthProblem(setup.Config, setup.Start.Init) is { } tooShort) Add(nameof(RunRequest.MaxLength), tooShort);
                if (setup.MemoryProblem() is { } memory) Add(nameof(RunRequest.BatchSize), memory);
            }
            catch (RunSetupException e)
            {
                foreach (var problem in e.Problems) Add("", problem);
            }
        }
        var result = errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
        return (result, result.Count == 0 ? setup : null, result.Count == 0 ? external : null);
    }

    private TrainingConfig ToConfig(RunRequest request) => RunRequestConfig.ToConfig(request, engine.Device);

    /// <summary>Where the request's run starts from (its resolved init, if any); the resolver says why an init cannot be used.</summary>
    private static RunStart StartOf(RunRequest request, Func<string, NanoVlm.Engine.Checkpoints.Sources.ModelSource> resolve) =>
        string.IsNullOrWhiteSpace(request.Init) ? RunStart.Fresh : new RunStart { Init = resolve(request.Init) };

    /// <summary>The request's init resolved, or null when it has none or it cannot be used (the checks say why).</summary>
    private NanoVlm.Engine.Checkpoints.Sources.ModelSource? TryInit(RunRequest request)
    {
        try
        {
            return StartOf(request, sources.Resolve).Init;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string ModelLabel(NanoVlm.Engine.Checkpoints.Sources.ModelSource init, RunSummary? parent) =>
        parent is not null ? $"{parent.Name} · step {init.Parent!.Step}" : Path.GetFileName(init.Directory);

    /// <summary>For synthetic data, whether its pages' image tokens fit max_length (checked without reading data).</summary>
    private static string? MaxLengthProblem(TrainingConfig config, NanoVlm.Engine.Checkpoints.Sources.ModelSource? init)
    {
        // An unknown synthetic set is refused under Data (see SyntheticDataProblem), not here.
        if (!IsSynthetic(config.Data) || SyntheticDifficultyOf(config.Data) is not { } difficulty)
        {
            return null;
        }
        try
        {
            var model = config.ResolveModel();
            var tokenizer = init?.Tokenizer.Tokenizer ?? NanoVlm.Engine.Text.BuiltInTokenizers.NanoVlmGpt2();
            var encoder = SampleEncoder.ForModel(model, tokenizer, new CollatorOptions(config.MaxLength));
            foreach (var size in new NanoVlm.Engine.Data.Synthetic.SyntheticDocVqaGenerator(difficulty, config.Seed).PageSizes)
            {
                encoder.EnsureImagesFit([size]);
            }
            return null;
        }
        catch (MaxLengthTooSmallException e)
        {
            return e.Message;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static bool IsSynthetic(string data) => data.StartsWith(TrainingDataFactory.SyntheticPrefix, StringComparison.OrdinalIgnoreCase);

    private static NanoVlm.Engine.Data.Synthetic.SyntheticDifficulty? SyntheticDifficultyOf(string data)
    {
        try
        {
            return NanoVlm.Engine.Data.Synthetic.SyntheticNames.ParseDifficulty(data[TrainingDataFactory.SyntheticPrefix.Length..]);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string? SyntheticDataProblem(string data) => SyntheticDifficultyOf(data) is not null ? null
        : $"There is no synthetic data set '{data[TrainingDataFactory.SyntheticPrefix.Length..].Trim()}': use synthetic:easy, synthetic:medium or synthetic:hard.";

    /// <summary>A dataset path must lie under Storage:DataRoots (symbolic links followed) and exist.</summary>
    private string? DataPathProblem(string data)
    {
        string real;
        try
        {
            real = allowedRoots.Data.Resolve(data);
        }
        catch (PathNotAllowedException e)
        {
            return e.Message;
        }
        return File.Exists(real) || Directory.Exists(real)
            ? null
            : $"No file or folder at '{data}'. Use synthetic:easy|medium|hard or a DocVQA path on this machine.";
    }

    private static string NewRunId() => string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..4]}");

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0} MiB");
}
