using System.Text.Json;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Packing;
using NanoVlm.Engine.Training.Sources;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// A run of the PyTorch engine, fully described: the configuration (batch_size per process), where it goes, how it
/// spreads (torchrun or Slurm settings), and what it starts from (fresh, an init checkpoint, or a resumed run).
/// </summary>
public sealed record ExternalRunPlan
{
    /// <summary>The shards' folder inside a run folder, when the launcher packs them.</summary>
    public const string ShardsFolder = "shards";

    /// <summary>The configuration the workers read (<c>--config</c>), beside the run.json they write.</summary>
    public const string ConfigFileName = "engine-config.json";

    public required ExternalEngine Engine { get; init; }

    /// <summary>The run's configuration; <c>batch_size</c> is per process. Unused when resuming (the run's run.json is).</summary>
    public required TrainingConfig Config { get; init; }

    public required string RunFolder { get; init; }

    public TorchrunSettings Torchrun { get; init; } = new();

    public SlurmSettings Slurm { get; init; } = new();

    public SlurmCommands SlurmCommands { get; init; } = new();

    /// <summary>The interpreter (Engines:Python, --python); null or empty finds one with PyTorch here (torchrun) or uses python3 (Slurm).</summary>
    public string? Python { get; init; }

    /// <summary>The folder holding <c>nanovlm_distributed/</c> (Engines:PythonPackage); null: the copy beside the executable.</summary>
    public string? PackageRoot { get; init; }

    /// <summary>Shards packed already; null packs the configuration's data into the run folder's <see cref="ShardsFolder"/>.</summary>
    public string? Shards { get; init; }

    /// <summary>A nanoVLM checkpoint folder the run starts from (config.json + model.safetensors).</summary>
    public string? Init { get; init; }

    /// <summary>The tokenizer.json for packing, when the model's vocabulary is not the built-in tokenizer's.</summary>
    public string? TokenizerPath { get; init; }

    /// <summary>A checkpoint of this run to continue from (then <see cref="RunFolder"/> is that run's folder).</summary>
    public string? ResumeCheckpoint { get; init; }

    /// <summary>With a resume: the precision to continue in (fp32, bf16, ...); null keeps the checkpoint's.</summary>
    public string? ResumePrecision { get; init; }

    public bool HalveMicroBatch { get; init; }

    /// <summary>Which image files a DocVQA source may name when packing; null allows any.</summary>
    public ImagePathCheck? ImageCheck { get; init; }

    public bool IsResume => ResumeCheckpoint is not null;

    /// <summary>Processes of the whole run.</summary>
    public int WorldSize => Engine == ExternalEngine.Slurm ? Slurm.Nodes * Slurm.ProcessesPerNode : Torchrun.WorldSize;

    /// <summary>The shards the workers read: given, recorded in the resumed run's run.json, or packed into the run folder.</summary>
    public string ShardsPath => Shards ?? (IsResume ? RecordedShards() : null) ?? Path.Combine(RunFolder, ShardsFolder);

    /// <summary>The trainer's command line for this plan.</summary>
    public PythonTrainerArguments TrainerArguments() => new()
    {
        RunFolder = RunFolder,
        Shards = ShardsPath,
        Config = IsResume ? null : Path.Combine(RunFolder, ConfigFileName),
        Init = IsResume ? null : Init,
        Resume = ResumeCheckpoint,
        Precision = IsResume ? ResumePrecision : null,
        HalveMicroBatch = IsResume && HalveMicroBatch,
    };

    /// <summary>Every problem with the plan, each saying what to change (nothing is written or started).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Engine == ExternalEngine.InProcess) problems.Add("This plan is for the torchrun or Slurm engine, not the in-process one.");
        problems.AddRange(Engine == ExternalEngine.Slurm ? Slurm.Validate() : Torchrun.Validate());
        if (!IsResume)
        {
            problems.AddRange(Config.Validate());
            if (File.Exists(Path.Combine(RunFolder, RunFiles.ConfigFileName)))
                problems.Add($"'{RunFolder}' already holds a run; choose another folder, or resume it.");
            if (Shards is { } shards && !File.Exists(Path.Combine(shards, ShardFormat.IndexFileName)))
                problems.Add($"'{shards}' holds no shards (index.json); make them with `dataset pack`, or leave the shards out to pack the run's data.");
        }
        else if (ShardsPath is var recorded && !File.Exists(Path.Combine(recorded, ShardFormat.IndexFileName)))
        {
            problems.Add($"The shards this run trained on ('{recorded}') are gone; give the folder they are in now.");
        }
        return problems;
    }

    /// <summary>The training samples to pack: what the run consumes from an endless source, one epoch of a finite one.</summary>
    internal long? SamplesToPack() =>
        Config.Data.StartsWith(TrainingDataFactory.SyntheticPrefix, StringComparison.OrdinalIgnoreCase)
            ? (long)Config.MaxSteps * Config.BatchSize * WorldSize * Config.GradAccum
            : null;

    private string? RecordedShards()
    {
        try
        {
            using var runJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RunFolder, RunFiles.ConfigFileName)));
            return runJson.RootElement.TryGetProperty("shards", out var shards) && shards.ValueKind == JsonValueKind.String ? shards.GetString() : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
