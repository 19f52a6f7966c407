using System.Globalization;
using System.Text.Json;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Refusals;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Training.Checkpoints;

namespace NanoVlm.Engine.Checkpoints.Sources;

/// <summary>Choices for <see cref="ModelSourceResolver.Resolve"/>.</summary>
/// <param name="TokenizerFile">a tokenizer.json to use instead of the one found with the model (<c>--tokenizer</c>)</param>
public sealed record ModelSourceOptions(string? TokenizerFile = null);

/// <summary>
/// Recognises a folder to start a run from and describes it, reading only small files (config.json, the safetensors
/// header, import.json, trainer_state.json, the tokenizer): nothing the size of the model is allocated, so a bad
/// source is refused in moments with a message that says what to do.
/// </summary>
/// <remarks>
/// <para>Folders: a nanoVLM checkpoint (config.json + model.safetensors, tokenizer.json beside them optional), a model
/// imported from Hugging Face backbones (the same plus import.json and the language folder's tokenizer.json), a run's
/// checkpoint (RUN/checkpoints/step_N with trainer_state.json; its run and step become the new run's parent), or a run
/// folder (its latest checkpoint).</para>
/// <para>The tokenizer, first found: the one named in <see cref="ModelSourceOptions"/>; tokenizer.json beside
/// config.json (for an import, the copy recorded there); tokenizer.json in the run's folder; the built-in GPT-2
/// tokenizer when the vocabulary is laid out for it. It must fit the vocabulary (<see cref="TokenizerVocabularyCheck"/>).</para>
/// </remarks>
public static class ModelSourceResolver
{
    /// <summary>A run's checkpoint folder inside its run folder (the value of <c>RunFiles.CheckpointsFolder</c>).</summary>
    public const string RunCheckpointsFolder = "checkpoints";

    public const string TokenizerFileName = "tokenizer.json";

    /// <exception cref="NotAModelSourceException">the folder holds no usable model (says what it lacks)</exception>
    /// <exception cref="CheckpointShapeMismatchException">the weights do not match config.json</exception>
    /// <exception cref="TokenizerVocabularyMismatchException">the tokenizer does not fit the vocabulary</exception>
    public static ModelSource Resolve(string folder, ModelSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        options ??= new ModelSourceOptions();
        var directory = CheckpointFolder(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)), folder);

        var (config, configWarnings) = ReadConfig(directory);
        var weights = Path.Combine(directory, NanoVlmCheckpoint.WeightsFileName);
        if (!File.Exists(weights))
            throw new NotAModelSourceException($"{directory} has a config.json but no {NanoVlmCheckpoint.WeightsFileName}: copy the weights saved with that config beside it.");
        try
        {
            CheckpointHeaderCheck.Ensure(config, weights);
        }
        catch (InvalidDataException e)
        {
            throw new NotAModelSourceException($"{weights} is not a readable safetensors file: {e.Message}", e);
        }

        var parent = ReadParent(directory);
        var import = parent is null ? ReadImport(directory) : null;
        var kind = parent is not null ? ModelSourceKind.RunCheckpoint : import is not null ? ModelSourceKind.HuggingFaceImport : ModelSourceKind.NanoVlmCheckpoint;
        var tokenizer = ChooseTokenizer(config, directory, options, import, parent);
        var parameters = ParameterCount.Of(config);
        return new ModelSource
        {
            Kind = kind,
            Directory = directory,
            Config = config,
            ConfigWarnings = configWarnings,
            WeightsFile = weights,
            Tokenizer = tokenizer,
            Parameters = parameters,
            Parent = parent,
            Import = import,
            Description = Describe(kind, directory, parent, parameters.Total),
        };
    }

    /// <summary>The checkpoint folder: the folder itself, or the latest checkpoint of a run folder.</summary>
    private static string CheckpointFolder(string full, string asGiven)
    {
        if (!Directory.Exists(full))
            throw new NotAModelSourceException($"No folder at '{asGiven}'. Give a nanoVLM checkpoint folder (config.json + model.safetensors), an imported model, or a run's checkpoint.");
        if (File.Exists(Path.Combine(full, VlmConfigFile.FileName))) return full;
        var checkpoints = Path.Combine(full, RunCheckpointsFolder);
        if (Directory.Exists(checkpoints) && new CheckpointStore(checkpoints).Latest is { } latest) return latest.Path;
        throw new NotAModelSourceException(
            $"'{asGiven}' holds no model: it has no {VlmConfigFile.FileName} (a nanoVLM checkpoint or an imported model has config.json + model.safetensors) " +
            $"and no {RunCheckpointsFolder}/step_N (a run's checkpoints). Point at the folder that holds config.json.");
    }

    private static (VlmConfig Config, IReadOnlyList<string> Warnings) ReadConfig(string directory)
    {
        VlmConfigReadResult read;
        try
        {
            read = VlmConfigFile.Load(directory);
        }
        catch (InvalidVlmConfigException e)
        {
            throw new NotAModelSourceException($"{Path.Combine(directory, VlmConfigFile.FileName)} is not a usable nanoVLM config. {e.Message}", e);
        }
        // nanoVLM HEAD's 66 extra tokens are the only layout the engine's tokenizer and image strings produce (spec §2.5:
        // older generations used fewer, and their ids would land on the wrong rows).
        if (!read.Config.VlmExtraTokens.Values.SequenceEqual(NanoVlmTokenizer.ExtraTokens, StringComparer.Ordinal))
        {
            throw new NotAModelSourceException(
                $"{Path.Combine(directory, VlmConfigFile.FileName)} lists {read.Config.VlmExtraTokens.Count} nanoVLM extra tokens " +
                $"({string.Join(", ", read.Config.VlmExtraTokens.Values.Take(3))}{(read.Config.VlmExtraTokens.Count > 3 ? ", ..." : "")}); this engine reads " +
                $"nanoVLM HEAD's {NanoVlmTokenizer.ExtraTokens.Count} (<|image|>, <|global_image|>, <row_1_col_1> ... <row_8_col_8>, in that order). " +
                "The checkpoint comes from an older nanoVLM generation (v0.1, v0.2 or the first image splitting); convert it with nanoVLM HEAD first.");
        }
        return (read.Config, read.Warnings);
    }

    /// <summary>A run's checkpoint: the run folder (RUN/checkpoints/step_N) and the step from trainer_state.json.</summary>
    private static ParentRun? ReadParent(string directory)
    {
        var statePath = Path.Combine(directory, CheckpointStore.StateFileName);
        if (!File.Exists(statePath)) return null;
        int step;
        try
        {
            using var state = JsonDocument.Parse(File.ReadAllText(statePath));
            step = state.RootElement.GetProperty("step").GetInt32();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new NotAModelSourceException($"{statePath} is not a training checkpoint's state (no readable \"step\"): {e.Message}", e);
        }
        var run = RunFolderOf(directory);
        return new ParentRun(run, Path.GetFileName(run), step, directory);
    }

    /// <summary>The run folder a checkpoint folder (<c>RUN/checkpoints/step_N</c>) belongs to.</summary>
    private static string RunFolderOf(string checkpointDirectory)
    {
        var checkpoints = Path.GetDirectoryName(checkpointDirectory);
        var run = checkpoints is not null && Path.GetFileName(checkpoints) == RunCheckpointsFolder ? Path.GetDirectoryName(checkpoints) : null;
        return run ?? checkpoints ?? checkpointDirectory;
    }

    /// <summary>
    /// The tokenizer a run kept in its folder, for one of its checkpoints (a checkpoint folder holds only the model):
    /// null when the folder is not a run's checkpoint or its run kept no tokenizer.
    /// </summary>
    public static string? RunTokenizerFile(string checkpointDirectory)
    {
        var directory = Path.GetFullPath(checkpointDirectory);
        if (!File.Exists(Path.Combine(directory, CheckpointStore.StateFileName))) return null;
        var file = Path.Combine(RunFolderOf(directory), TokenizerFileName);
        return File.Exists(file) ? file : null;
    }

    private static ImportRecord? ReadImport(string directory)
    {
        try
        {
            return ImportRecord.Read(directory);
        }
        catch (InvalidDataException e)
        {
            throw new NotAModelSourceException(e.Message, e);
        }
    }

    private static TokenizerChoice ChooseTokenizer(VlmConfig config, string directory, ModelSourceOptions options, ImportRecord? import, ParentRun? parent)
    {
        var model = $"The model in {directory}";
        var beside = Path.Combine(directory, TokenizerFileName);
        var fromRun = parent is null ? null : Path.Combine(parent.RunDirectory, TokenizerFileName);
        var whatToDo = $"Use the tokenizer.json of '{config.LmTokenizer}' that this model was trained with: put it beside config.json in {directory}" +
                       (options.TokenizerFile is null ? " or name it explicitly (--tokenizer)." : " or name that one instead.");

        (TokenizerOrigin Origin, string File, string Description)? found = options.TokenizerFile is { } explicitFile
            ? (TokenizerOrigin.Explicit, Path.GetFullPath(explicitFile), $"the tokenizer {Path.GetFullPath(explicitFile)}")
            : File.Exists(beside)
                ? import?.Tokenizer == TokenizerFileName
                    ? (TokenizerOrigin.RecordedAtImport, beside, $"the tokenizer recorded at import ({beside}, from {import.TokenizerSource})")
                    : (TokenizerOrigin.ModelFolder, beside, $"the tokenizer beside the model ({beside})")
                : fromRun is not null && File.Exists(fromRun)
                    ? (TokenizerOrigin.RunFolder, fromRun, $"the run's tokenizer ({fromRun})")
                    : null;

        if (found is { } file)
        {
            var (baseTokenizer, tokenizer) = Load(file.File);
            TokenizerVocabularyCheck.Ensure(config, tokenizer, baseTokenizer.VocabularySize, model, file.Description, whatToDo);
            return new TokenizerChoice(file.Origin, file.File, tokenizer, file.Description);
        }

        var builtIn = BuiltInTokenizers.NanoVlmGpt2();
        const string builtInName = "the built-in GPT-2 + ChatML tokenizer (no tokenizer.json was found with the model)";
        TokenizerVocabularyCheck.Ensure(config, builtIn, BuiltInTokenizers.Gpt2ChatMl().VocabularySize, model, builtInName, whatToDo);
        return new TokenizerChoice(TokenizerOrigin.BuiltIn, null, builtIn, "the built-in GPT-2 + ChatML tokenizer");
    }

    private static (HfTokenizer Base, NanoVlmTokenizer WithExtraTokens) Load(string file)
    {
        if (!File.Exists(file)) throw new NotAModelSourceException($"No tokenizer at '{file}'.");
        HfTokenizer baseTokenizer;
        try
        {
            baseTokenizer = HfTokenizer.FromFile(file);
        }
        catch (Exception e) when (e is UnsupportedTokenizerException or InvalidDataException or JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new NotAModelSourceException($"{file} is not a tokenizer this engine reads: {e.Message}", e);
        }
        try
        {
            return (baseTokenizer, NanoVlmTokenizer.Create(baseTokenizer));
        }
        catch (ArgumentException e)
        {
            throw new NotAModelSourceException($"{file} cannot carry nanoVLM's chat template: {e.Message} (nanoVLM's prompts end each turn with {NanoVlmTokenizer.DefaultEosToken}).", e);
        }
    }

    private static string Describe(ModelSourceKind kind, string directory, ParentRun? parent, long parameters)
    {
        var size = parameters.ToString("N0", CultureInfo.InvariantCulture) + " parameters";
        return kind switch
        {
            ModelSourceKind.RunCheckpoint => $"run {parent!.RunName} at step {parent.Step} ({directory}, {size})",
            ModelSourceKind.HuggingFaceImport => $"imported from Hugging Face backbones ({directory}, {size})",
            _ => $"nanoVLM checkpoint {directory} ({size})",
        };
    }
}
