using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace NanoVlm.Server.Endpoints;

/// <summary>
/// Takes a JSON request body in: JSON content type (415 otherwise) and at most <see cref="MaxBytes"/> (413 past it,
/// chunked bodies included). What the JSON must hold is for the endpoint's reader to say (see
/// <see cref="Client.Services.RunSettingsJson"/>). Every refusal is a problem details response saying what to fix.
/// </summary>
public static class JsonBody
{
    /// <summary>Run configurations are well under a kilobyte; one megabyte leaves room without inviting abuse.</summary>
    public const long MaxBytes = 1024 * 1024;

    public sealed record Result(byte[]? Bytes, IResult? Problem);

    /// <param name="what">what the body holds, for messages ("the run settings")</param>
    public static async Task<Result> ReadAsync(HttpContext context, string what)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            return Refuse(StatusCodes.Status415UnsupportedMediaType, "Unsupported body", $"Send {what} as JSON with 'Content-Type: application/json'.");
        }
        if (request.ContentLength > MaxBytes)
        {
            return TooLarge(request.ContentLength.Value);
        }
        // Where the server enforces it (Kestrel), also stop a chunked body at the limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }

        byte[] bytes;
        try
        {
            bytes = await ReadBoundedAsync(request.Body, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(null);
        }
        return bytes.Length > MaxBytes ? TooLarge(null) : new Result(bytes, null);
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    private static async Task<byte[]> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes) break; // enough to know it is too large; the rest is not read
        }
        return buffer.ToArray();
    }

    private static Result TooLarge(long? length) =>
        Refuse(StatusCodes.Status413PayloadTooLarge, "Body too large", length is { } bytes
            ? string.Create(CultureInfo.InvariantCulture, $"The body is {bytes} bytes; JSON bodies are limited to {MaxBytes} bytes (1 MB).")
            : string.Create(CultureInfo.InvariantCulture, $"The body is over the {MaxBytes}-byte (1 MB) limit for JSON bodies."));

    private static Result Refuse(int status, string title, string detail) =>
        new(null, Results.Problem(statusCode: status, title: title, detail: detail));
}
