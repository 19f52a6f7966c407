using System.Globalization;
using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Engine.Training.Setup;
using NanoVlm.Server.Runs;

namespace NanoVlm.Server.Cli;

/// <summary>
/// `train`: a headless training run. The configuration is a preset (default <c>tiny</c>), a run.json given with
/// <c>--config</c>, or, when resuming, the resumed run's own run.json; the other options override single values.
/// Writes run.json, metrics.jsonl, events.jsonl, checkpoints/ and tb/ into the output folder.
/// </summary>
public sealed class TrainVerb : IVerb
{
    public const string DefaultPreset = "tiny";
    public const string RunsFolder = "runs";

    public string Name => "train";

    public string Summary => "train a model headlessly (preset or run.json), writing metrics, events, checkpoints and TensorBoard files";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("config", "FILE", "run settings (the dashboard's Export JSON, docs/run-settings.md) or a run folder's run.json; the options below override it"),
        new("preset", "NAME", $"training preset to start from: {string.Join(", ", TrainingPresets.Names)} (default {DefaultPreset})"),
        new("precision", "MODE", $"{PrecisionPolicy.Names} (auto: bf16 where it is faster for the model here, else fp32); with --resume, the precision to continue in"),
        new("steps", "N", "optimizer steps (max_steps)"),
        new("batch-size", "B", "micro-batch size"),
        new("grad-accum", "A", "micro-batches per optimizer step"),
        new("max-length", "L", "longest sample in tokens, image tokens included"),
        new("lr-mp", "X", "peak learning rate of the projector (0 freezes it)"),
        new("lr-vision", "X", "peak learning rate of the vision encoder (0 freezes it)"),
        new("lr-language", "X", "peak learning rate of the decoder (0 freezes it)"),
        new("data", "SOURCE", "synthetic:easy|medium|hard or a DocVQA source path"),
        new("nan-policy", "POLICY", $"{SettingNames.Choices<NanPolicy>()} (recover: roll back and widen the precision)"),
        new("seed", "S", "seed of initialization and data order"),
        new("threads", "N", "intra-op threads (0 = all cores)"),
        new("device", "DEVICE", "auto, cpu, cuda or cuda:N (default: the configuration's, auto for presets)"),
        new("tokenizer", "FILE", "tokenizer.json when the model's vocabulary is not the built-in tokenizer's"),
        new("out", "DIR", $"output folder (default {RunsFolder}/<timestamp> under the working directory)"),
        new("init", "SOURCE", "start from existing weights: a nanoVLM checkpoint folder, an imported model, a run's checkpoint (a fork) or a registered model's id (checkpoint:FOLDER); its config.json gives the architecture, so --preset is not needed"),
        new("resume", "CHECKPOINT", "continue from a checkpoint folder (or a run folder's latest checkpoint)"),
        new("estimate", null, "print the memory estimate of the configuration and exit"),
        new("no-tensorboard", null, "do not write TensorBoard files"),
        .. ExternalTraining.Options,
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var resume = ResolveResume(arguments.GetString("resume"));
        var tokenizerPath = arguments.GetString("tokenizer");
        var init = ResolveInit(arguments.GetString("init"), tokenizerPath);
        if (init is not null && resume is not null)
            throw new UsageException("Give either --init (start a new run from existing weights) or --resume (continue a run), not both.");
        var config = ResolveConfig(arguments, resume, tokenizerPath, init);
        if (ExternalTraining.IsRequested(arguments))
            return await ExternalTraining.RunAsync(arguments, config, resume, init, tokenizerPath, console, cancellationToken);
        var setup = CheckSetup(config, new RunStart
        {
            // With --resume, --precision is the precision to continue in (the checkpoint's otherwise).
            Resume = resume is null ? null : new ResumeRequest(resume.Checkpoint, ParsePrecisionOption(arguments)),
            Init = init,
            TokenizerPath = init is null ? tokenizerPath : null,
        });

        if (arguments.Has("estimate"))
        {
            await console.Out.WriteLineAsync(setup.DescribeEstimate());
            return CommandLine.Success;
        }
        if (setup.MemoryProblem() is { } memory) throw new UsageException($"The run cannot start: {memory}");

        var outDir = Path.GetFullPath(arguments.GetString("out") ?? resume?.RunDirectory ?? DefaultOutputDirectory());
        if (resume is null && Directory.Exists(outDir) && File.Exists(Path.Combine(outDir, RunFiles.ConfigFileName)))
        {
            throw new UsageException($"'{outDir}' already holds a run; choose another --out, or continue it with --resume.");
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            // The first Ctrl+C ends the run at the next step with a checkpoint; a second one kills the process.
            if (cancellation.IsCancellationRequested) return;
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"training {config.ModelPreset} on {config.Data}: {config.MaxSteps} steps of {setup.MicroBatch} × {setup.GradAccum}, max_length {config.MaxLength}, {setup.Precision.Label()} ({PrecisionPolicy.Name(config.Precision)} asked) on {setup.Device.Name}"));
            if (init is not null) await console.Error.WriteLineAsync($"starting from {init.Description}, tokenizer: {init.Tokenizer.Description}");
            await console.Error.WriteLineAsync(resume is null ? $"run folder: {outDir}" : $"run folder: {outDir} (resuming from {resume.Checkpoint})");
            var launch = new LaunchOptions { TensorBoard = !arguments.Has("no-tensorboard") };
            int code;
            try
            {
                code = TrainCommand.Run(setup, outDir, launch, console.Error, cancellation.Token);
            }
            catch (MaxLengthTooSmallException e)
            {
                throw new UsageException($"{e.Message} Raise --max-length (or max_length in the configuration).");
            }
            await console.Out.WriteLineAsync(outDir);
            return code;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>The run as it will start; every problem with it is a usage error listing all of them.</summary>
    public static RunSetup CheckSetup(TrainingConfig config, RunStart start)
    {
        RunSetup setup;
        try
        {
            setup = RunSetup.Check(config, start);
        }
        catch (RunSetupException e)
        {
            throw new UsageException("The run cannot start:\n- " + string.Join("\n- ", e.Problems));
        }
        return setup;
    }

    /// <summary>
    /// The weights <c>--init</c> names: a folder (a nanoVLM checkpoint, an imported model, a run's checkpoint or a run
    /// folder) or a registered model's id (<c>checkpoint:FOLDER</c>, as the dashboard's model lists name them). It is
    /// checked without loading it; a refusal (tokenizer, shapes) exits with code 2 and says what to do.
    /// </summary>
    private static ModelSource? ResolveInit(string? source, string? tokenizerPath)
    {
        if (source is null) return null;
        const string registered = "checkpoint:";
        var folder = source.StartsWith(registered, StringComparison.Ordinal) ? source[registered.Length..] : source;
        return ModelSourceResolver.Resolve(folder, new ModelSourceOptions(tokenizerPath));
    }

    /// <summary>
    /// The configuration: base (--config, else the resumed run's run.json, else --init's defaults when no preset is
    /// named, else the preset), then every value option on top. Problems with the result are reported by the setup check.
    /// </summary>
    public static TrainingConfig ResolveConfig(VerbArguments arguments, ResumePoint? resume, string? tokenizerPath, ModelSource? init = null)
    {
        var configPath = arguments.GetString("config");
        var presetName = arguments.GetString("preset");
        if (configPath is not null && presetName is not null)
        {
            throw new UsageException("Give either --config or --preset, not both (a run.json already names its model).");
        }
        var baseVocab = tokenizerPath is null ? VlmLoader.BuiltInBaseVocabSize : TokenizerBaseVocab(tokenizerPath);

        TrainingConfig config;
        if (configPath is not null)
        {
            config = ReadConfig(configPath, baseVocab, arguments.Has("engine"));
        }
        else if (presetName is null && init is not null)
        {
            // Without a preset, a fork continues with its parent's settings and a nanoVLM model gets nanoVLM's fine-tuning defaults.
            config = FineTuneDefaults.For(init);
        }
        else if (presetName is null && resume?.RunDirectory is { } runDirectory && File.Exists(Path.Combine(runDirectory, RunFiles.ConfigFileName)))
        {
            config = ReadConfig(Path.Combine(runDirectory, RunFiles.ConfigFileName), baseVocab);
        }
        else
        {
            try
            {
                config = TrainingPresets.Get(presetName ?? DefaultPreset, baseVocab);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
        }

        return ApplyOverrides(config, arguments);
    }

    private static TrainingConfig ApplyOverrides(TrainingConfig config, VerbArguments arguments)
    {
        // A resume continues in the checkpoint's precision unless --precision says otherwise (see RunStart.Resume);
        // run.json then records the precision asked for.
        if (ParsePrecisionOption(arguments) is { } precision) config = config with { Precision = precision };
        if (arguments.GetInt("steps", 1) is { } steps) config = config with { MaxSteps = steps };
        if (arguments.GetInt("batch-size", 1) is { } batch) config = config with { BatchSize = batch };
        if (arguments.GetInt("grad-accum", 1) is { } accum) config = config with { GradAccum = accum };
        if (arguments.GetInt("max-length", 1) is { } length) config = config with { MaxLength = length };
        if (GetRate(arguments, "lr-mp") is { } lrMp) config = config with { LrMp = lrMp };
        if (GetRate(arguments, "lr-vision") is { } lrVision) config = config with { LrVision = lrVision };
        if (GetRate(arguments, "lr-language") is { } lrLanguage) config = config with { LrLanguage = lrLanguage };
        if (arguments.GetString("data") is { } data) config = config with { Data = data };
        if (arguments.GetString("nan-policy") is { } policy) config = config with { NanPolicy = ParseSetting<NanPolicy>(policy, "--nan-policy") };
        if (arguments.GetString("device") is { } device) config = config with { Device = device };
        if (arguments.GetInt("seed", 0) is { } seed) config = config with { Seed = seed };
        if (arguments.GetInt("threads", 0, 1024) is { } threads) config = config with { Threads = threads };
        return config;
    }

    /// <summary>
    /// A configuration file: run settings (what the dashboard's Export JSON writes: preset plus the form's fields,
    /// docs/run-settings.md) or a run folder's run.json (every value resolved, the model included).
    /// </summary>
    private static TrainingConfig ReadConfig(string path, int baseVocab, bool engineGiven = false)
    {
        if (!File.Exists(path)) throw new UsageException($"The configuration file '{path}' does not exist.");
        var bytes = File.ReadAllBytes(path);
        return IsRunJson(bytes) ? ReadRunJson(path, bytes, baseVocab) : ReadRunSettings(path, bytes, baseVocab, engineGiven);
    }

    /// <summary>A run.json names its model preset and step count with its own keys, which run settings do not have.</summary>
    private static bool IsRunJson(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && (document.RootElement.TryGetProperty("model_preset", out _) || document.RootElement.TryGetProperty("max_steps", out _));
        }
        catch (JsonException)
        {
            return false; // the run settings reader says where the JSON breaks
        }
    }

    private static TrainingConfig ReadRunSettings(string path, byte[] bytes, int baseVocab, bool engineGiven)
    {
        var (settings, problems) = RunSettingsJson.Read(bytes);
        if (settings is null)
        {
            throw new UsageException($"'{path}' is not usable run settings:\n- {string.Join("\n- ", problems)}\n" +
                                     "Run settings are what the dashboard's Export JSON writes (docs/run-settings.md); a run folder's run.json is accepted too.");
        }
        var request = settings.ApplyTo(RunRequestConfig.Defaults(settings.Preset ?? DefaultPreset));
        // Where the run trains is the verb's options' (its folder, its console); a file that asks for another engine says so.
        if (!string.Equals(request.Engine.Trim(), "in-process", StringComparison.OrdinalIgnoreCase) && !engineGiven)
            throw new UsageException($"'{path}' asks for engine '{request.Engine}'; the train verb takes it as options: add --engine {request.Engine.Trim().ToLowerInvariant()} " +
                                     $"--nproc-per-node {request.ProcessesPerNode} (and --nnodes, --partition, --time for Slurm), or --engine in-process to train here.");
        if (!TrainingPresets.Names.Contains(request.Preset, StringComparer.OrdinalIgnoreCase))
            throw new UsageException($"'{path}': unknown preset '{request.Preset}'; choose one of {string.Join(", ", TrainingPresets.Names)}.");
        try
        {
            return RunRequestConfig.ToConfig(request, TrainingConfig.AutoDevice, baseVocab);
        }
        catch (FormatException e)
        {
            throw new UsageException($"'{path}': {e.Message}");
        }
    }

    private static TrainingConfig ReadRunJson(string path, byte[] bytes, int baseVocab)
    {
        TrainingConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<TrainingConfig>(bytes, RunFiles.Json);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
            throw new UsageException($"'{path}' is not a valid run.json{where}: {e.Message.Split(" Path:")[0]}");
        }
        if (config is null) throw new UsageException($"'{path}' is empty (null).");
        if (config.Model is null)
        {
            // A run.json that only names a model preset gets the preset laid out for the tokenizer in use.
            try
            {
                config = config with { Model = ModelPresets.Get(config.ModelPreset, baseVocab) };
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"'{path}': {e.Message}");
            }
        }
        return config;
    }

    private static int TokenizerBaseVocab(string tokenizerPath)
    {
        if (!File.Exists(tokenizerPath)) throw new UsageException($"The tokenizer file '{tokenizerPath}' does not exist.");
        return NanoVlmTokenizer.Create(HfTokenizer.FromFile(tokenizerPath)).ImageTokenId;
    }

    private static double? GetRate(VerbArguments arguments, string name)
    {
        var text = arguments.GetString(name);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
        {
            throw new UsageException($"Option '--{name}' must be a learning rate (0 or a positive number such as 3e-4); got '{text}'.");
        }
        return value;
    }

    private static PrecisionMode? ParsePrecisionOption(VerbArguments arguments) =>
        arguments.GetString("precision") is { } text ? ParseSetting<PrecisionMode>(text, "--precision") : null;

    private static TEnum ParseSetting<TEnum>(string text, string option) where TEnum : struct, Enum
    {
        try
        {
            return SettingNames.Parse<TEnum>(text, $"Option '{option}'");
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>
    /// A checkpoint to continue from: the folder itself (it holds trainer_state.json) or a run folder, whose latest
    /// checkpoint is taken. <see cref="ResumePoint.RunDirectory"/> is the run the checkpoint belongs to, when it lies
    /// in one (RUN/checkpoints/step_N).
    /// </summary>
    public static ResumePoint? ResolveResume(string? path)
    {
        if (path is null) return null;
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new UsageException($"The checkpoint '{path}' does not exist.");
        if (File.Exists(Path.Combine(full, CheckpointStore.StateFileName)))
        {
            var parent = Path.GetDirectoryName(full);
            var run = parent is not null && Path.GetFileName(parent) == RunFiles.CheckpointsFolder ? Path.GetDirectoryName(parent) : null;
            return new ResumePoint(full, run);
        }
        var checkpoints = Path.Combine(full, RunFiles.CheckpointsFolder);
        if (Directory.Exists(checkpoints) && new CheckpointStore(checkpoints).Latest is { } latest)
        {
            return new ResumePoint(latest.Path, full);
        }
        throw new UsageException($"'{path}' is neither a training checkpoint (a folder with {CheckpointStore.StateFileName}) nor a run folder with checkpoints.");
    }

    internal static string DefaultOutputDirectory()
    {
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var directory = Path.Combine(Directory.GetCurrentDirectory(), RunsFolder, stamp);
        for (var n = 2; Directory.Exists(directory); n++)
        {
            directory = Path.Combine(Directory.GetCurrentDirectory(), RunsFolder, string.Create(CultureInfo.InvariantCulture, $"{stamp}-{n}"));
        }
        return directory;
    }
}

/// <summary>Where <c>--resume</c> continues from.</summary>
/// <param name="Checkpoint">the checkpoint folder (holds trainer_state.json)</param>
/// <param name="RunDirectory">the run folder it belongs to, if it lies in one</param>
public sealed record ResumePoint(string Checkpoint, string? RunDirectory);
