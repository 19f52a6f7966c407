using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Evaluation;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Vision;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Playground;

/// <summary>
/// The playground's server side: checks and stores uploads, previews what a model will see, answers on the
/// inference thread while streaming text, and keeps the history in LiteDB.
/// </summary>
public sealed class PlaygroundService(
    InferenceWorker worker,
    ModelCatalog catalog,
    UploadStore uploads,
    DashboardDatabase database,
    IOptions<InferenceOptions> options) : IPlayground
{
    private static readonly TimeSpan UnreferencedUploadLifetime = TimeSpan.FromHours(1);

    public SafeImageDecoder Decoder { get; } = new(new ImageLimits(
        (long)options.Value.MaxUploadMegabytes * 1024 * 1024,
        (long)options.Value.MaxUploadMegapixels * 1_000_000,
        options.Value.DecoderAllocationMegabytes));

    public IReadOnlyList<ModelChoice> Models() => catalog.List();

    public long MaxUploadBytes => Decoder.Limits.MaxBytes;

    public Task<ImagePreview> UploadAsync(byte[] bytes, string modelId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        // Decoded in full before anything is written: a file the decoder refuses never reaches the uploads folder.
        using var image = Decode(bytes);
        var config = ConfigOf(modelId);
        var uploadId = uploads.Save(bytes, Decoder.DetectMimeType(bytes)!);
        uploads.DeleteUnreferenced(ReferencedUploads().Append(uploadId).ToHashSet(StringComparer.Ordinal), UnreferencedUploadLifetime);
        return Task.FromResult(PreviewOf(uploadId, image, config));
    }

    /// <summary>A generated document (medium difficulty: large-print fields), stored like an upload, with a question it answers.</summary>
    public async Task<(ImagePreview Preview, string Question, string Answer)> ExampleAsync(string modelId, CancellationToken cancellationToken)
    {
        var document = new SyntheticDocVqaGenerator(SyntheticDifficulty.Medium, seed: 2026).Generate(SyntheticSplit.Val, Random.Shared.Next(0, 1000));
        var preview = await UploadAsync(document.EncodePng(), modelId, cancellationToken);
        var question = document.Questions[0];
        return (preview, question.Question, question.Answer);
    }

    public Task<ImagePreview> PreviewAsync(string uploadId, string modelId, CancellationToken cancellationToken)
    {
        RequireUpload(uploadId);
        var config = ConfigOf(modelId);
        using var image = Decode(uploads.Read(uploadId));
        return Task.FromResult(PreviewOf(uploadId, image, config));
    }

    private static ImagePreview PreviewOf(string uploadId, SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image, Engine.Model.VlmConfig config)
    {
        var processor = new NanoVlmImageProcessor(new ImageProcessorSettings(config.VitImgSize, config.MaxImgSize, config.ResizeToMaxSideLen));
        var (rows, columns) = processor.GridFor(image.Height, image.Width);
        return new ImagePreview(uploadId, image.Width, image.Height, rows, columns,
            ImageTokenString.PlaceholderCount(rows, columns, config.MpImageTokenLength), PreviewImages.DataUrl(image, 640));
    }

    /// <summary>The playground page's question about an upload it stored and previewed before; kept in the history.</summary>
    public async Task<PlaygroundAnswer> AskAsync(string uploadId, string question, string modelId, DecodingSettings settings,
        string? expectedAnswer, Action<string> onText, CancellationToken cancellationToken)
    {
        var (modelName, askOptions) = CheckQuestion(question, modelId, settings);
        RequireUpload(uploadId);
        using var image = Decode(uploads.Read(uploadId));
        var answer = await AnswerAsync(image, question, modelId, modelName, askOptions, expectedAnswer, onText, cancellationToken);
        Remember(uploadId, image, modelId, modelName, question, answer.Answer, expectedAnswer, answer.Anls);
        return answer;
    }

    /// <summary>
    /// The HTTP API's question (<c>POST /api/ask</c>): one request with the image, so no preview and no round trip through
    /// the uploads folder. The bytes are decoded once and answered; only with <paramref name="keepHistory"/> are they
    /// stored, after the answer, for the history to show and ask again.
    /// </summary>
    public async Task<PlaygroundAnswer> AskImageAsync(byte[] bytes, string question, string modelId, DecodingSettings settings,
        string? expectedAnswer, bool keepHistory, Action<string> onText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var (modelName, askOptions) = CheckQuestion(question, modelId, settings);
        using var image = Decode(bytes);
        var answer = await AnswerAsync(image, question, modelId, modelName, askOptions, expectedAnswer, onText, cancellationToken);
        if (keepHistory)
        {
            var uploadId = uploads.Save(bytes, Decoder.DetectMimeType(bytes)!);
            Remember(uploadId, image, modelId, modelName, question, answer.Answer, expectedAnswer, answer.Anls);
        }
        return answer;
    }

    /// <summary>Refuses an empty question, an unknown or deleted model and bad decoding settings; returns the model's name and the options.</summary>
    private (string ModelName, AskOptions Options) CheckQuestion(string question, string modelId, DecodingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(question))
        {
            throw new PlaygroundException("Type a question first.");
        }
        var modelName = RequireModel(modelId).Name;
        var askOptions = new AskOptions
        {
            MaxNewTokens = settings.MaxNewTokens,
            Greedy = settings.Greedy,
            Temperature = settings.Temperature,
            TopK = settings.TopK,
            TopP = settings.TopP,
            Seed = (ulong)Math.Max(0, settings.Seed),
        };
        var problems = askOptions.Validate();
        if (problems.Count > 0)
        {
            throw new PlaygroundException(string.Join(" ", problems));
        }
        return (modelName, askOptions);
    }

    /// <summary>Answers on the inference thread, streaming text, and scores the answer when an expected one is given.</summary>
    private async Task<PlaygroundAnswer> AnswerAsync(SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image,
        string question, string modelId, string modelName, AskOptions askOptions, string? expectedAnswer, Action<string> onText, CancellationToken cancellationToken)
    {
        var result = await worker.RunAsync(cache =>
            new VqaAnswerer(LoadModel(cache, modelId, modelName), Decoder).Ask(image, question, askOptions, onText, cancellationToken), cancellationToken);
        double? anls = string.IsNullOrWhiteSpace(expectedAnswer) ? null : Anls.Score(result.Answer, [expectedAnswer]);
        return new PlaygroundAnswer(result.Answer, result.Tokens, result.MsToFirstToken, result.MsTotal, result.Stopped, anls);
    }

    /// <summary>Adds the question to the history, with a thumbnail of its page.</summary>
    private void Remember(string uploadId, SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> image, string modelId, string modelName,
        string question, string answer, string? expectedAnswer, double? anls) =>
        database.Playground.Insert(new PlaygroundDocument
        {
            Id = Guid.NewGuid().ToString("N"),
            Time = DateTime.UtcNow,
            UploadId = uploadId,
            ThumbnailDataUrl = PreviewImages.DataUrl(image, 96),
            ModelId = modelId,
            ModelName = modelName,
            Question = question,
            Answer = answer,
            ExpectedAnswer = string.IsNullOrWhiteSpace(expectedAnswer) ? null : expectedAnswer,
            Anls = anls,
        });

    public IReadOnlyList<PlaygroundEntry> History() =>
        [.. database.Playground.FindAll().OrderByDescending(d => d.Time).Select(d => d.ToEntry())];

    public void DeleteHistoryEntry(string id)
    {
        var entry = database.Playground.FindById(id);
        if (entry is null)
        {
            return;
        }
        database.Playground.Delete(id);
        // An upload lives as long as a history entry refers to it.
        if (!database.Playground.Exists(d => d.UploadId == entry.UploadId))
        {
            uploads.Delete(entry.UploadId);
        }
    }

    private IEnumerable<string> ReferencedUploads() => database.Playground.FindAll().Select(d => d.UploadId);

    private Engine.Model.VlmConfig ConfigOf(string modelId)
    {
        try
        {
            return catalog.ConfigOf(modelId);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
        {
            throw new PlaygroundException(e.Message);
        }
    }

    /// <summary>The listed model, or a <see cref="PlaygroundException"/> saying it is unknown or that its checkpoint is gone.</summary>
    private ModelChoice RequireModel(string modelId)
    {
        ConfigOf(modelId);
        return catalog.Find(modelId) ?? throw new PlaygroundException($"Unknown model '{modelId}'. Pick one from the list.");
    }

    /// <summary>On the inference thread: the model from the cache, loading it first if needed; a load that fails says why.</summary>
    private static Engine.Inference.LoadedVlm LoadModel(ModelCache cache, string modelId, string modelName)
    {
        try
        {
            return cache.Get(modelId);
        }
        catch (ArgumentException e)
        {
            // The catalog's own words: an unknown model, or a checkpoint deleted since it was picked.
            throw new PlaygroundException(e.Message);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException
            or Engine.Model.InvalidVlmConfigException or Engine.Checkpoints.CheckpointMismatchException)
        {
            throw new PlaygroundException($"'{modelName}' cannot be loaded: {e.Message}");
        }
    }

    private void RequireUpload(string uploadId)
    {
        if (!uploads.Exists(uploadId))
        {
            throw new PlaygroundException("That image is no longer stored. Upload it again.");
        }
    }

    private SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> Decode(byte[] bytes)
    {
        try
        {
            return Decoder.Decode(bytes);
        }
        catch (ImageRejectedException e)
        {
            throw Rejected(e);
        }
    }

    private static PlaygroundException Rejected(ImageRejectedException e) => new(e.Message, e.Reason switch
    {
        ImageRejectionReason.TooLarge or ImageRejectionReason.TooManyPixels => PlaygroundException.TooLarge,
        ImageRejectionReason.NotAnImage or ImageRejectionReason.UnsupportedFormat => PlaygroundException.Unsupported,
        _ => PlaygroundException.Invalid,
    });
}
