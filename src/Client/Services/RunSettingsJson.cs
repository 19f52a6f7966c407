using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NanoVlm.Client.Services;

/// <summary>One problem with a run settings file or body, with where it is.</summary>
/// <param name="Field">the field's property name on <see cref="RunRequest"/> ("BatchSize"), or null for the whole document</param>
/// <param name="Line">1-based line of the value, when known</param>
/// <param name="UnknownField">the name of a field the format does not have, when that is the problem</param>
public sealed record RunSettingsProblem(string? Field, int? Line, string Message, string? UnknownField = null)
{
    public override string ToString() => Line is { } line ? string.Create(CultureInfo.InvariantCulture, $"line {line}: {Message}") : Message;
}

/// <summary>The fields a run settings document gave, to lay over a preset's defaults.</summary>
public sealed class RunSettings
{
    private readonly Dictionary<string, object> _values;

    internal RunSettings(Dictionary<string, object> values) => _values = values;

    /// <summary>The preset the document names, if it names one (its defaults fill the fields it leaves out).</summary>
    public string? Preset => _values.TryGetValue(nameof(RunRequest.Preset), out var preset) ? (string)preset : null;

    /// <summary>The weights the document starts from, if it names any.</summary>
    public string? Init => _values.TryGetValue(nameof(RunRequest.Init), out var init) && !string.IsNullOrWhiteSpace((string)init) ? (string)init : null;

    /// <summary>The property names (<see cref="RunRequest"/>'s) the document set.</summary>
    public IReadOnlyCollection<string> Fields => _values.Keys;

    /// <summary><paramref name="defaults"/> with every field the document gave replaced by its value.</summary>
    public RunRequest ApplyTo(RunRequest defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var request = defaults;
        foreach (var (property, value) in _values)
        {
            request = RunSettingsJson.Field(property).Apply(request, value);
        }
        return request;
    }
}

/// <summary>
/// The run settings format: a JSON object with <see cref="RunRequest"/>'s fields in snake_case (<c>batch_size</c>,
/// <c>lr_projector</c>), which Export JSON writes and the form's import, <c>POST /api/runs</c> and <c>train --config</c>
/// read. Fields left out take the named preset's defaults. The camelCase spelling (<c>batchSize</c>) is accepted too, so
/// a body written for the API imports as well. Problems are reported in the user's terms: which field, on which line,
/// what is wrong — never a parser's internals.
/// </summary>
public static class RunSettingsJson
{
    internal enum Kind
    {
        Text,
        WholeNumber,
        Number,
    }

    /// <summary>One field: its names, its kind and how it sets a request.</summary>
    internal sealed record FieldSpec(string Property, string Name, Kind Type, Func<RunRequest, object, RunRequest> Apply)
    {
        public string CamelName { get; } = char.ToLowerInvariant(Property[0]) + Property[1..];
    }

    private static readonly FieldSpec[] Fields =
    [
        new(nameof(RunRequest.Name), "name", Kind.Text, (r, v) => r with { Name = (string)v }),
        new(nameof(RunRequest.Preset), "preset", Kind.Text, (r, v) => r with { Preset = (string)v }),
        new(nameof(RunRequest.Init), "init", Kind.Text, (r, v) => r with { Init = (string)v }),
        new(nameof(RunRequest.Precision), "precision", Kind.Text, (r, v) => r with { Precision = (string)v }),
        new(nameof(RunRequest.BatchSize), "batch_size", Kind.WholeNumber, (r, v) => r with { BatchSize = (int)v }),
        new(nameof(RunRequest.GradAccum), "grad_accum", Kind.WholeNumber, (r, v) => r with { GradAccum = (int)v }),
        new(nameof(RunRequest.MaxLength), "max_length", Kind.WholeNumber, (r, v) => r with { MaxLength = (int)v }),
        new(nameof(RunRequest.LrProjector), "lr_projector", Kind.Number, (r, v) => r with { LrProjector = (double)v }),
        new(nameof(RunRequest.LrVision), "lr_vision", Kind.Number, (r, v) => r with { LrVision = (double)v }),
        new(nameof(RunRequest.LrLanguage), "lr_language", Kind.Number, (r, v) => r with { LrLanguage = (double)v }),
        new(nameof(RunRequest.Steps), "steps", Kind.WholeNumber, (r, v) => r with { Steps = (int)v }),
        new(nameof(RunRequest.WarmupFraction), "warmup_fraction", Kind.Number, (r, v) => r with { WarmupFraction = (double)v }),
        new(nameof(RunRequest.EvalInterval), "eval_interval", Kind.WholeNumber, (r, v) => r with { EvalInterval = (int)v }),
        new(nameof(RunRequest.CheckpointInterval), "checkpoint_interval", Kind.WholeNumber, (r, v) => r with { CheckpointInterval = (int)v }),
        new(nameof(RunRequest.Data), "data", Kind.Text, (r, v) => r with { Data = (string)v }),
        new(nameof(RunRequest.Seed), "seed", Kind.WholeNumber, (r, v) => r with { Seed = (int)v }),
        new(nameof(RunRequest.NanPolicy), "nan_policy", Kind.Text, (r, v) => r with { NanPolicy = (string)v }),
        new(nameof(RunRequest.Engine), "engine", Kind.Text, (r, v) => r with { Engine = (string)v }),
        new(nameof(RunRequest.ProcessesPerNode), "nproc_per_node", Kind.WholeNumber, (r, v) => r with { ProcessesPerNode = (int)v }),
        new(nameof(RunRequest.Nodes), "nnodes", Kind.WholeNumber, (r, v) => r with { Nodes = (int)v }),
        new(nameof(RunRequest.Partition), "partition", Kind.Text, (r, v) => r with { Partition = (string)v }),
        new(nameof(RunRequest.TimeLimit), "time_limit", Kind.Text, (r, v) => r with { TimeLimit = (string)v }),
        new(nameof(RunRequest.Python), "python", Kind.Text, (r, v) => r with { Python = (string)v }),
    ];

    /// <summary>The format's field names, in the order Export writes them.</summary>
    public static IReadOnlyList<string> FieldNames { get; } = [.. Fields.Select(f => f.Name)];

    /// <summary>The format's name for a <see cref="RunRequest"/> property ("BatchSize" → "batch_size").</summary>
    public static string NameOf(string property) => Field(property).Name;

    /// <summary>Every field of <paramref name="request"/>, snake_case, indented: what Export JSON downloads.</summary>
    public static string Write(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var field in Fields)
            {
                var value = typeof(RunRequest).GetProperty(field.Property)!.GetValue(request)!;
                switch (value)
                {
                    case string text: writer.WriteString(field.Name, text); break;
                    case int whole: writer.WriteNumber(field.Name, whole); break;
                    case double number: writer.WriteNumber(field.Name, number); break;
                }
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a run settings document; every problem is listed, and the settings are null when there is any.</summary>
    public static (RunSettings? Settings, IReadOnlyList<RunSettingsProblem> Problems) Read(ReadOnlySpan<byte> utf8)
    {
        var problems = new List<RunSettingsProblem>();
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            problems.Add(new(null, null, "the document is empty: run settings are a JSON object such as { \"preset\": \"tiny\", \"batch_size\": 8 }."));
            return (null, problems);
        }
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                var found = reader.TokenType == JsonTokenType.None ? "nothing" : Describe(reader.TokenType);
                problems.Add(new(null, 1, $"run settings are a JSON object ({{ \"preset\": \"tiny\", \"batch_size\": 8, ... }}), not {found}."));
                return (null, problems);
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                var line = LineAt(utf8, reader.TokenStartIndex);
                reader.Read();
                var field = Fields.FirstOrDefault(f => f.Name == name || f.CamelName == name);
                if (field is null)
                {
                    reader.Skip();
                    problems.Add(new(null, line, $"unknown field '{name}'. The run settings fields are: {string.Join(", ", FieldNames)}.", name));
                    continue;
                }
                if (!seen.Add(field.Property))
                {
                    reader.Skip();
                    problems.Add(new(field.Property, line, $"'{field.Name}' is given twice (as '{field.Name}' or '{field.CamelName}'); keep one."));
                    continue;
                }
                var value = ReadValue(ref reader, field, line, problems);
                if (value is not null) values[field.Property] = value;
            }
        }
        catch (JsonException e)
        {
            problems.Add(new(null, (int)(e.LineNumber ?? 0) + 1,
                string.Create(CultureInfo.InvariantCulture, $"this is not valid JSON (at byte {(e.BytePositionInLine ?? 0) + 1} of the line): check for a missing comma, quote or brace.")));
        }
        return problems.Count == 0 ? (new RunSettings(values), problems) : (null, problems);
    }

    /// <summary>The same, for text.</summary>
    public static (RunSettings? Settings, IReadOnlyList<RunSettingsProblem> Problems) Read(string json) => Read(Encoding.UTF8.GetBytes(json ?? ""));

    internal static FieldSpec Field(string property) => Fields.First(f => f.Property == property);

    private static object? ReadValue(ref Utf8JsonReader reader, FieldSpec field, int line, List<RunSettingsProblem> problems)
    {
        switch (field.Type)
        {
            case Kind.Text:
                return reader.TokenType == JsonTokenType.String ? reader.GetString()! : Refuse(ref reader, field, line, "text in quotes", problems);
            case Kind.WholeNumber:
                if (reader.TokenType != JsonTokenType.Number) return Refuse(ref reader, field, line, "a whole number (no quotes)", problems);
                return reader.TryGetInt32(out var whole) ? whole : Refuse(ref reader, field, line, "a whole number within ±2,147,483,647", problems);
            default:
                if (reader.TokenType == JsonTokenType.String
                    && double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var named)
                    && !double.IsFinite(named))
                    return named; // "NaN" / "Infinity", as the API writes them; the range check then says what is wrong
                if (reader.TokenType != JsonTokenType.Number) return Refuse(ref reader, field, line, "a number (no quotes), such as 3e-4", problems);
                return reader.TryGetDouble(out var number) && double.IsFinite(number) ? number : Refuse(ref reader, field, line, "a finite number", problems);
        }
    }

    /// <summary>Records why the value at the reader does not fit the field, and skips it.</summary>
    private static object? Refuse(ref Utf8JsonReader reader, FieldSpec field, int line, string expected, List<RunSettingsProblem> problems)
    {
        var got = reader.TokenType switch
        {
            JsonTokenType.String => $"the text \"{reader.GetString()}\"",
            JsonTokenType.Number => $"the number {Encoding.UTF8.GetString(reader.ValueSpan)}",
            _ => Describe(reader.TokenType),
        };
        reader.Skip();
        problems.Add(new(field.Property, line, $"{field.Name} must be {expected}; got {got}."));
        return null;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "a list",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "true/false",
        JsonTokenType.String => "text",
        JsonTokenType.Number => "a number",
        _ => token.ToString().ToLowerInvariant(),
    };

    private static int LineAt(ReadOnlySpan<byte> utf8, long offset) => utf8[..(int)Math.Min(offset, utf8.Length)].Count((byte)'\n') + 1;
}
