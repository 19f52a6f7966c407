using System.Globalization;
using System.Text.Json;

namespace NanoVlm.Engine.Data;

/// <summary>
/// Field access for the JSON-based formats (official DocVQA items, JSONL lines) that turns every wrong
/// shape into a reason a user can act on, instead of an exception from <see cref="JsonElement"/>.
/// </summary>
internal static class JsonSampleFields
{
    /// <summary>A required non-blank string; null with <paramref name="error"/> set otherwise.</summary>
    public static string? RequiredString(JsonElement item, string name, out string? error)
    {
        error = null;
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            error = $"'{name}' is missing";
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            error = $"'{name}' is a {Describe(value.ValueKind)}, not a string";
            return null;
        }
        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"'{name}' is empty";
            return null;
        }
        return text;
    }

    /// <summary>An optional id that the formats store as a number or a string; null when absent.</summary>
    public static string? OptionalId(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.TryGetInt64(out var number)
                ? number.ToString(CultureInfo.InvariantCulture)
                : value.GetRawText(),
            _ => null,
        } : null;

    /// <summary>
    /// An optional list of strings (answers, question types). Absent or null gives an empty list (a test
    /// split has no answers); anything but an array of strings sets <paramref name="error"/>.
    /// </summary>
    public static IReadOnlyList<string> OptionalStringList(JsonElement item, string name, out string? error)
    {
        error = null;
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            error = $"'{name}' is a {Describe(value.ValueKind)}, not a list of strings";
            return [];
        }
        var list = new List<string>(value.GetArrayLength());
        var index = 0;
        foreach (var entry in value.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.String)
            {
                error = $"'{name}[{index}]' is a {Describe(entry.ValueKind)}, not a string";
                return [];
            }
            list.Add(entry.GetString()!);
            index++;
        }
        return list;
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "list",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    /// <summary>
    /// One question object (question, image, optional answers and question_types, docId) as a sample, or the row
    /// skipped with its reason. Shared by the official DocVQA JSON and our JSONL, which describe a question alike.
    /// </summary>
    public static ReadResult ToSample(JsonElement item, long row, string where, string id, ImagePathResolver images)
    {
        var question = RequiredString(item, "question", out var error);
        var image = error is null ? RequiredString(item, "image", out error) : null;
        var answers = error is null ? OptionalStringList(item, "answers", out error) : [];
        var types = error is null ? OptionalStringList(item, "question_types", out error) : [];
        if (error is not null)
        {
            return new SkippedRow(row, $"{where}: {error}.");
        }
        var imagePath = images.Resolve(image!, out var problem);
        if (imagePath is null)
        {
            return new SkippedRow(row, $"{where}: {problem}.");
        }
        var sample = new DocVqaSample(id, [new DocVqaTurn(question!, answers)], [new FileImageSource(imagePath)], OptionalId(item, "docId"), types);
        return new SampleRow(row, sample);
    }
}
