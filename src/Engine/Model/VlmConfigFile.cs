using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Model;

/// <summary>A config read from disk plus what was odd about the file (unknown or missing fields).</summary>
public sealed record VlmConfigReadResult(VlmConfig Config, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads and writes nanoVLM's <c>config.json</c> (what <c>save_pretrained</c> writes: <c>asdict(cfg)</c>, indented
/// by 4). Unlike the reference's <c>VLMConfig(**json)</c>, unknown keys (such as the legacy
/// <c>lm_eos_token_id</c> of older Hub checkpoints) do not fail: they come back as warnings, as do fields the file
/// lacks (filled with HEAD defaults, which may not be how an old checkpoint was trained).
/// </summary>
public static class VlmConfigFile
{
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        // The chat template holds quotes, '<', '>', '+': keep them readable, as Python's json.dump does.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The snake_case names of every <see cref="VlmConfig"/> field, in declaration order.</summary>
    public static IReadOnlyList<string> FieldNames { get; } = typeof(VlmConfig)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
        .OfType<string>()
        .ToArray();

    /// <summary>Parses config JSON text. Throws <see cref="InvalidVlmConfigException"/> on malformed JSON or wrong value types.</summary>
    public static VlmConfigReadResult Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidVlmConfigException($"config is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidVlmConfigException($"config must be a JSON object, not {document.RootElement.ValueKind}.");

            var present = document.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var known = FieldNames.ToHashSet(StringComparer.Ordinal);
            var warnings = new List<string>();
            foreach (var name in present.Where(n => !known.Contains(n)).Order(StringComparer.Ordinal))
                warnings.Add($"ignored unknown config field '{name}' (a legacy or newer nanoVLM field).");
            var missing = FieldNames.Where(n => !present.Contains(n)).ToList();
            if (missing.Count > 0)
                warnings.Add($"config lacks {string.Join(", ", missing)}; using nanoVLM HEAD defaults for them, which may not match how this checkpoint was trained.");

            VlmConfig? config;
            try
            {
                config = document.RootElement.Deserialize<VlmConfig>(ReadOptions);
            }
            catch (JsonException e)
            {
                throw new InvalidVlmConfigException($"config field {e.Path ?? "?"} has the wrong type: {e.Message}", e);
            }
            if (config is null) throw new InvalidVlmConfigException("config is null.");
            return new VlmConfigReadResult(config, warnings);
        }
    }

    /// <summary>
    /// Reads <c>config.json</c> (a file, or a folder holding one) and validates it: an invalid config throws one
    /// <see cref="InvalidVlmConfigException"/> listing every problem.
    /// </summary>
    public static VlmConfigReadResult Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file)) throw new FileNotFoundException($"No nanoVLM config at {file}.", file);
        var result = Parse(File.ReadAllText(file, Encoding.UTF8));
        result.Config.EnsureValid();
        return result;
    }

    /// <summary>The JSON text <c>save_pretrained</c> would write for this config.</summary>
    public static string ToJson(VlmConfig config) => JsonSerializer.Serialize(config, WriteOptions);

    /// <summary>Writes <c>config.json</c> (not atomic on its own; checkpoints write it into a temp folder first).</summary>
    public static void Save(VlmConfig config, string file) => File.WriteAllText(file, ToJson(config), new UTF8Encoding(false));
}
