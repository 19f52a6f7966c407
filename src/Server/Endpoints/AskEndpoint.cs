using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using NanoVlm.Client.Services;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Playground;

namespace NanoVlm.Server.Endpoints;

/// <summary>
/// POST /api/ask (multipart: image, question, model, decoding options, history): the answer as JSON, or with
/// Accept: text/event-stream each token as a server-sent event and a final "done" event. Bad uploads are
/// 400/413/415 problem details saying why. The image is decoded once and answered; it is stored (after the answer)
/// only when the question is kept in the playground's history (<c>history</c>, true unless "false").
/// </summary>
public static class AskEndpoint
{
    public const int MaxQuestionLength = 2000;
    public const int MaxModelIdLength = 4096;
    /// <summary>Room for the question, the model and the decoding fields next to the image.</summary>
    private const long FormFieldsAllowanceBytes = 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record AskResponse(string Answer, int Tokens, double MsToFirstToken, double MsTotal, bool Stopped, double? Anls);

    public static IEndpointRouteBuilder MapAskEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/ask", HandleAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, PlaygroundService playground, CancellationToken cancellationToken)
    {
        if (!context.Request.HasFormContentType)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Send multipart/form-data with fields image, question and model.");
        }
        // The image and a few short fields: a bigger body is refused while it arrives, before it is buffered.
        var bodyLimit = playground.MaxUploadBytes + FormFieldsAllowanceBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = bodyLimit;
        }
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"The request is over {bodyLimit / (1024.0 * 1024):0.##} MB; images may be up to {playground.MaxUploadBytes / (1024.0 * 1024):0.##} MB."));
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return Problem(StatusCodes.Status400BadRequest, $"The multipart form cannot be read ({e.Message}). Send fields image, question and model.");
        }
        var file = form.Files.GetFile("image");
        var question = form["question"].ToString();
        if (file is null) return Problem(StatusCodes.Status400BadRequest, "The 'image' file field is missing.");
        if (string.IsNullOrWhiteSpace(question)) return Problem(StatusCodes.Status400BadRequest, "The 'question' field is missing or empty.");
        if (TextTooLong(form) is { } tooLong) return Problem(StatusCodes.Status400BadRequest, tooLong);
        if (file.Length > playground.MaxUploadBytes)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"The image is {file.Length / (1024.0 * 1024):0.##} MB; the limit is {playground.MaxUploadBytes / (1024.0 * 1024):0.##} MB."));
        }
        var model = ModelIdOf(form["model"].ToString(), playground);
        if (model is null) return Problem(StatusCodes.Status400BadRequest, $"Unknown model '{form["model"]}'. Known: {string.Join(", ", playground.Models().Select(m => m.Id))}.");
        DecodingSettings settings;
        bool keepHistory;
        try
        {
            settings = ParseSettings(form);
            keepHistory = ParseHistory(form);
        }
        catch (FormatException e)
        {
            return Problem(StatusCodes.Status400BadRequest, e.Message);
        }

        byte[] bytes;
        using (var buffer = new MemoryStream())
        {
            await file.CopyToAsync(buffer, cancellationToken);
            bytes = buffer.ToArray();
        }
        try
        {
            var expected = form["expected"].ToString();
            var streaming = context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
            if (!streaming)
            {
                var answer = await playground.AskImageAsync(bytes, question, model, settings, expected, keepHistory, _ => { }, cancellationToken);
                return Results.Json(ToResponse(answer), Json);
            }
            return await StreamAsync(context, onText => playground.AskImageAsync(bytes, question, model, settings, expected, keepHistory, onText, cancellationToken),
                cancellationToken);
        }
        catch (PlaygroundException e)
        {
            return Problem(e.Code switch
            {
                PlaygroundException.TooLarge => StatusCodes.Status413PayloadTooLarge,
                PlaygroundException.Unsupported => StatusCodes.Status415UnsupportedMediaType,
                _ => StatusCodes.Status400BadRequest,
            }, e.Message);
        }
    }

    /// <summary>
    /// Streams the answer's pieces as token events and ends with a done event. The stream starts with the first piece,
    /// so a question refused before answering (a deleted model, a bad image) is still a problem-details response.
    /// </summary>
    private static async Task<IResult> StreamAsync(HttpContext context, Func<Action<string>, Task<PlaygroundAnswer>> ask, CancellationToken cancellationToken)
    {
        var pieces = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var answering = ask(piece => pieces.Writer.TryWrite(piece));
        _ = answering.ContinueWith(_ => pieces.Writer.TryComplete(), TaskScheduler.Default);
        var started = false;
        await foreach (var piece in pieces.Reader.ReadAllAsync(cancellationToken))
        {
            if (!started)
            {
                StartStream(context);
                started = true;
            }
            await context.Response.WriteAsync($"event: token\ndata: {JsonSerializer.Serialize(new { token = piece }, Json)}\n\n", cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }
        var answer = await answering; // a refusal throws here, before anything was written
        if (!started)
        {
            StartStream(context);
        }
        await context.Response.WriteAsync($"event: done\ndata: {JsonSerializer.Serialize(ToResponse(answer), Json)}\n\n", cancellationToken);
        return Results.Empty;
    }

    private static void StartStream(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
    }

    /// <summary>Whether the question goes into the playground's history: yes unless <c>history=false</c>.</summary>
    private static bool ParseHistory(IFormCollection form) => form["history"].ToString().Trim().ToLowerInvariant() switch
    {
        "" or "true" or "1" => true,
        "false" or "0" => false,
        var other => throw new FormatException($"'history' is '{other}'; use true (keep the question in the playground's history, the default) or false."),
    };

    /// <summary>Questions and expected answers are a sentence or two; model ids are at most a checkpoint path.</summary>
    private static string? TextTooLong(IFormCollection form)
    {
        foreach (var (field, limit) in new[] { ("question", MaxQuestionLength), ("expected", MaxQuestionLength), ("model", MaxModelIdLength) })
        {
            var length = form[field].ToString().Length;
            if (length > limit) return string.Create(CultureInfo.InvariantCulture, $"The '{field}' field has {length} characters; the limit is {limit}.");
        }
        return null;
    }

    private static string? ModelIdOf(string model, PlaygroundService playground)
    {
        // A checkpoint id goes on as given: the catalog says whether it is unknown or was deleted.
        if (model.StartsWith(ModelIds.CheckpointPrefix, StringComparison.Ordinal)) return model;
        var models = playground.Models();
        if (string.IsNullOrWhiteSpace(model)) return models.FirstOrDefault(m => m.Id.StartsWith(ModelCatalog.PresetPrefix, StringComparison.Ordinal))?.Id;
        return models.FirstOrDefault(m => m.Id == model || m.Id == ModelCatalog.PresetPrefix + model)?.Id;
    }

    private static DecodingSettings ParseSettings(IFormCollection form)
    {
        var defaults = new DecodingSettings();
        int Int(string name, int fallback) => form.TryGetValue(name, out var v) && v.Count > 0
            ? int.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new FormatException($"'{name}' must be a whole number.")
            : fallback;
        double Double(string name, double fallback) => form.TryGetValue(name, out var v) && v.Count > 0
            ? double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new FormatException($"'{name}' must be a number.")
            : fallback;
        var sampling = form.ContainsKey("temperature") || form.ContainsKey("top_k") || form.ContainsKey("top_p");
        return defaults with
        {
            MaxNewTokens = Int("max_new_tokens", defaults.MaxNewTokens),
            Greedy = !sampling || form["greedy"] == "true",
            Temperature = Double("temperature", defaults.Temperature),
            TopK = Int("top_k", defaults.TopK),
            TopP = Double("top_p", defaults.TopP),
            Seed = Int("seed", defaults.Seed),
        };
    }

    private static AskResponse ToResponse(PlaygroundAnswer answer) =>
        new(answer.Answer, answer.Tokens, answer.MsToFirstToken, answer.MsTotal, answer.Stopped, answer.Anls);

    private static IResult Problem(int status, string detail) =>
        Results.Problem(statusCode: status, title: status switch
        {
            StatusCodes.Status413PayloadTooLarge => "Upload too large",
            StatusCodes.Status415UnsupportedMediaType => "Unsupported upload",
            _ => "Bad request",
        }, detail: detail);
}
