using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Endpoints;

/// <summary>
/// Reads a JSON request body strictly: JSON content type, at most <see cref="MaxBytes"/> (413 past it), well-formed,
/// a JSON object with no fields the type lacks (400 naming every unknown field), no nulls in fields that cannot be
/// null. Every refusal is a problem details response saying what to fix.
/// </summary>
public static class JsonBody
{
    /// <summary>Run configurations are well under a kilobyte; one megabyte leaves room without inviting abuse.</summary>
    public const long MaxBytes = 1024 * 1024;

    public sealed record Result<T>(T? Value, IResult? Problem);

    public static async Task<Result<T>> ReadAsync<T>(HttpContext context) where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var name = typeof(T).Name;
        if (!IsJson(request.ContentType))
        {
            return Refuse<T>(StatusCodes.Status415UnsupportedMediaType, "Unsupported body", $"Send the {name} as JSON with 'Content-Type: application/json'.");
        }
        if (request.ContentLength > MaxBytes)
        {
            return TooLarge<T>(request.ContentLength.Value);
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
            return TooLarge<T>(null);
        }
        if (bytes.Length > MaxBytes)
        {
            return TooLarge<T>(null);
        }

        var options = ReadingOptions(context);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            return Refuse<T>(StatusCodes.Status400BadRequest, "Body is not valid JSON",
                string.Create(CultureInfo.InvariantCulture, $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}). Send a JSON object with the {name}'s fields."));
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Refuse<T>(StatusCodes.Status400BadRequest, "Body is not a JSON object", $"Send the {name} as a JSON object, not a {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }
            var typeInfo = options.GetTypeInfo(typeof(T));
            var unknown = UnknownFields(document.RootElement, typeInfo, options.PropertyNameCaseInsensitive);
            if (unknown.Count > 0)
            {
                var known = string.Join(", ", typeInfo.Properties.Select(p => p.Name));
                return new Result<T>(null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown fields",
                    detail: $"The {name} has no field {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Its fields are: {known}.",
                    extensions: new Dictionary<string, object?> { ["unknownFields"] = unknown }));
            }
            try
            {
                var value = document.RootElement.Deserialize<T>(options);
                return value is null
                    ? Refuse<T>(StatusCodes.Status400BadRequest, "Empty body", $"Send the {name} as a JSON object.")
                    : new Result<T>(value, null);
            }
            catch (JsonException e)
            {
                return Refuse<T>(StatusCodes.Status400BadRequest, "Field has the wrong type",
                    $"The value at {e.Path ?? "$"} cannot be read: {FirstSentence(e.Message)}");
            }
        }
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

    private static List<string> UnknownFields(JsonElement root, JsonTypeInfo typeInfo, bool caseInsensitive)
    {
        var comparer = caseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var known = new HashSet<string>(typeInfo.Properties.Select(p => p.Name), comparer);
        return [.. root.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The API's JSON settings, plus strictness for reading: unknown members and nulls in non-nullable fields throw.</summary>
    private static JsonSerializerOptions ReadingOptions(HttpContext context)
    {
        var api = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        // One strict copy per API options instance: a fresh copy per request would rebuild the type metadata each time.
        return StrictCopies.GetValue(api, source => new JsonSerializerOptions(source)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
        });
    }

    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> StrictCopies = new();

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends " Path: ... | LineNumber: ..." after the sentence; the path is reported separately.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static Result<T> TooLarge<T>(long? length) where T : class =>
        Refuse<T>(StatusCodes.Status413PayloadTooLarge, "Body too large", length is { } bytes
            ? string.Create(CultureInfo.InvariantCulture, $"The body is {bytes} bytes; JSON bodies are limited to {MaxBytes} bytes (1 MB).")
            : string.Create(CultureInfo.InvariantCulture, $"The body is over the {MaxBytes}-byte (1 MB) limit for JSON bodies."));

    private static Result<T> Refuse<T>(int status, string title, string detail) where T : class =>
        new(null, Results.Problem(statusCode: status, title: title, detail: detail));
}
