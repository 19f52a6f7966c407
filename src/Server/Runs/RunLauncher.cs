using System.Globalization;
using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Sources;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Live;
using NanoVlm.Server.Services;
using NanoVlm.Server.Storage;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Runs;

/// <summary>
/// The New run form's server side and the run controls: turns a <see cref="RunRequest"/> into a training
/// configuration, validates it again, estimates it, queues it, and cancels or resumes runs.
/// </summary>
public sealed class RunLauncher(
    RunStore store,
    TrainingRunService runs,
    RunFolders folders,
    RunUpdatePublisher publisher,
    EngineRuntime engine,
    AllowedRoots allowedRoots) : IRunLauncher
{
    public IReadOnlyList<string> Presets => TrainingPresets.Names;

    public IReadOnlyList<PrecisionOption> PrecisionOptions
    {
        get
        {
            var info = engine.Info;
            var autocast = info.AutocastAvailable;
            return
            [
                new("auto", "auto", true, $"picks {(info.Bf16Fast && autocast ? "bf16" : "fp32")} on this machine; never fp16 on a CPU"),
                new("fp32", "fp32", true, null),
                new("bf16", "bf16", autocast, autocast ? (info.Bf16Fast ? null : "no fast bf16 on this CPU: slower than fp32") : info.AutocastProblem),
                new("fp16", info.Device == "cpu" ? "fp16 (emulated on CPU)" : "fp16", autocast,
                    info.Device == "cpu" ? "float32 compute rounded through fp16 where a GPU run holds fp16: overflows like a T4 run, slowly" : null),
            ];
        }
    }

    public RunRequest DefaultsFor(string preset)
    {
        var config = PresetConfig(preset);
        return new RunRequest
        {
            Preset = preset,
            Precision = "auto",
            BatchSize = config.BatchSize,
            GradAccum = config.GradAccum,
            MaxLength = config.MaxLength,
            LrProjector = config.LrMp,
            LrVision = config.LrVision,
            LrLanguage = config.LrLanguage,
            Steps = config.MaxSteps,
            WarmupFraction = config.WarmupFraction,
            EvalInterval = config.EvalInterval,
            CheckpointInterval = config.CheckpointInterval,
            Data = config.Data,
            Seed = config.Seed,
            NanPolicy = JsonNamingPolicy.SnakeCaseLower.ConvertName(config.NanPolicy.ToString()),
        };
    }

    public IReadOnlyDictionary<string, string[]> Validate(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (!Presets.Contains(request.Preset, StringComparer.OrdinalIgnoreCase)) Add(nameof(RunRequest.Preset), $"Unknown preset '{request.Preset}'; choose one of {string.Join(", ", Presets)}.");
        if (PrecisionOptions.FirstOrDefault(p => p.Value == request.Precision) is not { } precision) Add(nameof(RunRequest.Precision), "Choose auto, fp32, bf16 or fp16.");
        else if (!precision.Enabled) Add(nameof(RunRequest.Precision), $"{precision.Label} is not available here: {precision.Note}");
        RunRequestBounds.Check(request, Add);
        if (!errors.ContainsKey(nameof(RunRequest.Data))
            && (IsSynthetic(request.Data) ? SyntheticDataProblem(request.Data) : DataPathProblem(request.Data)) is { } dataProblem)
            Add(nameof(RunRequest.Data), dataProblem);

        if (errors.Count == 0)
        {
            var config = ToConfig(request);
            foreach (var problem in config.Validate()) Add("", problem);
            if (MaxLengthProblem(config) is { } tooShort) Add(nameof(RunRequest.MaxLength), tooShort);
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    public RunEstimate Estimate(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = ToConfig(request);
        var capabilities = DeviceCapabilities.Detect(EngineDevice.Resolve(engine.Info.Device));
        var precision = capabilities.Resolve(config.Precision);
        var estimate = MemoryEstimate.For(config, precision);
        var device = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var breakdown = string.Create(CultureInfo.InvariantCulture,
            $"weights {Mib(estimate.ParameterBytes)}, gradients {Mib(estimate.GradientBytes)}, optimizer {Mib(estimate.OptimizerBytes)}, activations {Mib(estimate.ActivationBytes)}, workspace {Mib(estimate.WorkspaceBytes)}");
        return new RunEstimate(estimate.TotalBytes, device, breakdown, MaxLengthProblem(config), $"computes in {precision.Label()}",
            ParameterCount.Of(config.ResolveModel()).Total);
    }

    public RunSummary Start(RunRequest request)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors.SelectMany(e => e.Value)));
        }
        var config = ToConfig(request);
        var id = NewRunId();
        var document = new RunDocument
        {
            Id = id,
            Name = string.IsNullOrWhiteSpace(request.Name) ? $"{request.Preset}-{id[^4..]}" : request.Name.Trim(),
            Status = RunStatus.Queued,
            Model = request.Preset,
            Precision = request.Precision,
            TotalSteps = config.MaxSteps,
            CreatedAt = DateTime.UtcNow,
            ConfigurationJson = JsonSerializer.Serialize(config, RunFiles.Json),
            OutputDirectory = folders.Of(id),
        };
        store.Upsert(document);
        var summary = document.ToSummary();
        publisher.Publish(new RunUpdate.Summary(id, summary));
        runs.Enqueue(id, config, resumeFrom: null);
        return summary;
    }

    public bool Cancel(string runId) => runs.Cancel(runId);

    public RunSummary ResumeRun(string runId, string? precision = null, bool halveMicroBatch = false)
    {
        var document = store.GetDocument(runId) ?? throw new KeyNotFoundException($"There is no run '{runId}'.");
        if (document.Status is RunStatus.Queued or RunStatus.Running or RunStatus.Paused)
        {
            throw new InvalidOperationException($"Run '{document.Name}' is {document.Status.ToString().ToLowerInvariant()}; only a stopped run can be resumed.");
        }
        var checkpoint = (string.IsNullOrEmpty(document.OutputDirectory) ? null : TrainingRunService.LatestCheckpoint(document.OutputDirectory))
            ?? throw new InvalidOperationException($"Run '{document.Name}' has no checkpoint to resume from.");
        var config = JsonSerializer.Deserialize<TrainingConfig>(document.ConfigurationJson, RunFiles.Json)
            ?? throw new InvalidDataException($"The stored configuration of run '{runId}' cannot be read.");
        if (precision is not null)
        {
            config = config with { Precision = ParsePrecision(precision) };
        }
        if (halveMicroBatch)
        {
            config = config with { BatchSize = Math.Max(1, config.BatchSize / 2), GradAccum = config.GradAccum * 2 };
        }
        config.EnsureValid();

        // The curves continue from the checkpoint: what was recorded after it belongs to the abandoned tail.
        store.DeleteMetricsAfter(runId, checkpoint.Step);
        var info = new RunEventInfo(runId, checkpoint.Step, DateTimeOffset.UtcNow, "resume", RunEventSeverity.Info,
            $"Resumed from step {checkpoint.Step}{(precision is null ? "" : $" in {precision}")}", new Dictionary<string, string> { ["checkpoint"] = checkpoint.Path });
        store.AppendEvent(info);
        publisher.Publish(new RunUpdate.Happened(runId, info));
        var summary = store.Update(runId, r =>
        {
            r.Status = RunStatus.Queued;
            r.Step = checkpoint.Step;
            r.EndedAt = null;
            r.Error = null;
            r.ConfigurationJson = JsonSerializer.Serialize(config, RunFiles.Json);
            if (precision is not null) r.Precision = precision;
        })!;
        publisher.Publish(new RunUpdate.Summary(runId, summary));
        runs.Enqueue(runId, config, checkpoint.Path);
        return summary;
    }

    public IReadOnlyList<(int Step, string ModelId)> Checkpoints(string runId)
    {
        var document = store.GetDocument(runId);
        // Runs recorded without a folder (imported records, older versions) have no checkpoints to offer.
        if (string.IsNullOrEmpty(document?.OutputDirectory)) return [];
        var directory = Path.Combine(document.OutputDirectory, RunFiles.CheckpointsFolder);
        if (!Directory.Exists(directory)) return [];
        return [.. new Engine.Training.Checkpoints.CheckpointStore(directory).List().Reverse().Select(c => (c.Step, ModelCatalog.CheckpointPrefix + c.Path))];
    }

    /// <summary>The request as the trainer's configuration: the preset's values with the form's on top.</summary>
    public static TrainingConfig ToConfig(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PresetConfig(request.Preset) with
        {
            Precision = ParsePrecision(request.Precision),
            BatchSize = request.BatchSize,
            GradAccum = request.GradAccum,
            MaxLength = request.MaxLength,
            LrMp = request.LrProjector,
            LrVision = request.LrVision,
            LrLanguage = request.LrLanguage,
            MaxSteps = request.Steps,
            WarmupFraction = request.WarmupFraction,
            EvalInterval = request.EvalInterval,
            CheckpointInterval = request.CheckpointInterval,
            Data = request.Data,
            Seed = request.Seed,
            NanPolicy = request.NanPolicy switch { "stop" => NanPolicy.Stop, "skip" => NanPolicy.Skip, _ => NanPolicy.Recover },
        };
    }

    private static TrainingConfig PresetConfig(string preset) =>
        TrainingPresets.Names.Contains(preset, StringComparer.OrdinalIgnoreCase)
            ? TrainingPresets.Get(preset, VlmLoader.BuiltInBaseVocabSize)
            : TrainingPresets.Get(ModelPresets.TinyName, VlmLoader.BuiltInBaseVocabSize);

    private static PrecisionMode ParsePrecision(string precision) => precision switch
    {
        "fp32" => PrecisionMode.Fp32,
        "bf16" => PrecisionMode.Bf16,
        "fp16" => PrecisionMode.Fp16,
        _ => PrecisionMode.Auto,
    };

    /// <summary>For synthetic data, whether its pages' image tokens fit max_length (checked without reading data).</summary>
    private static string? MaxLengthProblem(TrainingConfig config)
    {
        // An unknown synthetic set is refused under Data (see SyntheticDataProblem), not here.
        if (!IsSynthetic(config.Data) || SyntheticDifficultyOf(config.Data) is not { } difficulty)
        {
            return null;
        }
        try
        {
            var model = config.ResolveModel();
            var encoder = SampleEncoder.ForModel(model, Engine.Text.BuiltInTokenizers.NanoVlmGpt2(), new CollatorOptions(config.MaxLength));
            foreach (var size in new Engine.Data.Synthetic.SyntheticDocVqaGenerator(difficulty, config.Seed).PageSizes)
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

    private static Engine.Data.Synthetic.SyntheticDifficulty? SyntheticDifficultyOf(string data)
    {
        try
        {
            return Engine.Data.Synthetic.SyntheticNames.ParseDifficulty(data[TrainingDataFactory.SyntheticPrefix.Length..]);
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
