namespace NanoVlm.Client.Services;

/// <summary>How model ids are written: "preset:NAME" for a preset, "checkpoint:FULLPATH" for a checkpoint folder.</summary>
public static class ModelIds
{
    public const string PresetPrefix = "preset:";
    public const string CheckpointPrefix = "checkpoint:";

    /// <summary>The checkpoint folder of a checkpoint id; null for a preset.</summary>
    public static string? DirectoryOf(string modelId) =>
        modelId.StartsWith(CheckpointPrefix, StringComparison.Ordinal) ? modelId[CheckpointPrefix.Length..] : null;
}

/// <summary>A model the playground can load: a preset, a run's checkpoint, or an imported checkpoint folder.</summary>
/// <param name="Id">what to pass back when asking ("preset:tiny", "checkpoint:/path")</param>
public sealed record ModelChoice(string Id, string Name, string Source, long Parameters)
{
    /// <summary>The checkpoint folder (shown on hover); null for presets.</summary>
    public string? Directory { get; init; }

    /// <summary>For a checkpoint a run wrote: which run and step. Lists sort by run, then by this step as a number.</summary>
    public RunCheckpointOrigin? Run { get; init; }

    /// <summary>True for the checkpoint its run keeps as the best by its validation metric.</summary>
    public bool IsBest { get; init; }
}

/// <summary>The run and step a checkpoint comes from.</summary>
/// <param name="RunId">the run's id (it starts with the time the run was created, so ids sort by age)</param>
public sealed record RunCheckpointOrigin(string RunId, string RunName, int Step);

/// <summary>Decoding settings as the playground form holds them.</summary>
public sealed record DecodingSettings
{
    public int MaxNewTokens { get; init; } = 64;
    public bool Greedy { get; init; } = true;
    public double Temperature { get; init; } = 0.7;
    public int TopK { get; init; } = 50;
    public double TopP { get; init; } = 0.9;
    public int Seed { get; init; } = 42;
}

/// <summary>An uploaded image after checking: what the model will see and what it costs.</summary>
public sealed record ImagePreview(string UploadId, int Width, int Height, int GridRows, int GridColumns, int ImageTokens, string PreviewDataUrl);

/// <summary>A finished answer.</summary>
public sealed record PlaygroundAnswer(string Answer, int Tokens, double MsToFirstToken, double MsTotal, bool Stopped, double? Anls);

/// <summary>One question asked in the playground, kept in the history.</summary>
public sealed record PlaygroundEntry(string Id, DateTimeOffset Time, string UploadId, string ThumbnailDataUrl, string ModelId, string Question,
    string Answer, string? ExpectedAnswer, double? Anls)
{
    /// <summary>The model's name when the question was asked ("tiny · step 400"); null in entries stored before names were kept.</summary>
    public string? ModelName { get; init; }
}

/// <summary>Why an upload or a question was refused, in words for the user.</summary>
/// <param name="code">"invalid" (bad input), "too_large" (bytes or pixels over the limits) or "unsupported" (not an accepted image type)</param>
public sealed class PlaygroundException(string message, string code = PlaygroundException.Invalid) : Exception(message)
{
    public const string Invalid = "invalid";
    public const string TooLarge = "too_large";
    public const string Unsupported = "unsupported";

    public string Code { get; } = code;
}

/// <summary>What the playground page needs from the server.</summary>
public interface IPlayground
{
    IReadOnlyList<ModelChoice> Models();

    /// <summary>The upload size limit, checked before a file leaves the browser.</summary>
    long MaxUploadBytes { get; }

    /// <summary>Checks and stores an upload; throws <see cref="PlaygroundException"/> with the reason when refused.</summary>
    Task<ImagePreview> UploadAsync(byte[] bytes, string modelId, CancellationToken cancellationToken);

    /// <summary>A generated example document, stored like an upload, with a question about it and its answer.</summary>
    Task<(ImagePreview Preview, string Question, string Answer)> ExampleAsync(string modelId, CancellationToken cancellationToken);

    /// <summary>The preview of a stored upload as a given model would see it.</summary>
    Task<ImagePreview> PreviewAsync(string uploadId, string modelId, CancellationToken cancellationToken);

    /// <summary>Answers, calling <paramref name="onText"/> with each new piece; cancelling stops generation.</summary>
    Task<PlaygroundAnswer> AskAsync(string uploadId, string question, string modelId, DecodingSettings settings, string? expectedAnswer,
        Action<string> onText, CancellationToken cancellationToken);

    IReadOnlyList<PlaygroundEntry> History();

    void DeleteHistoryEntry(string id);
}

/// <summary>The Models page: what is registered, and registering more.</summary>
public interface IModelRegistry
{
    IReadOnlyList<ModelChoice> Models();

    /// <summary>Registers a nanoVLM checkpoint folder (config.json + model.safetensors); throws with the reason when it is not one.</summary>
    ModelChoice RegisterCheckpoint(string directory, string? name);

    /// <summary>Builds a checkpoint from Hugging Face vision and language folders into the data folder, and registers it.</summary>
    Task<ModelChoice> ImportBackbonesAsync(string visionDirectory, string languageDirectory, string name, CancellationToken cancellationToken);

    /// <summary>The configuration of a model as JSON, for display; throws <see cref="PlaygroundException"/> when its checkpoint is gone.</summary>
    string ConfigurationJson(string modelId);
}
