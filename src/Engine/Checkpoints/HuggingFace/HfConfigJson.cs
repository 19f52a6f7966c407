using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>
/// Typed access to a Hugging Face <c>config.json</c> object (or a nested one such as <c>vision_config</c>). Absent
/// or null fields take the default the transformers config class would use; a present field of the wrong type is
/// an error naming the file and field, never a silent default.
/// </summary>
internal sealed class HfConfigJson
{
    public const string FileName = "config.json";

    private readonly JsonObject _node;

    private HfConfigJson(JsonObject node, string file, string path)
    {
        _node = node;
        File = file;
        Path = path;
    }

    /// <summary>The config file this object was read from.</summary>
    public string File { get; }

    /// <summary>Where in the file this object sits ("" for the root, "vision_config." for a nested one).</summary>
    public string Path { get; }

    /// <summary>Reads <c>config.json</c> from a backbone folder.</summary>
    public static HfConfigJson Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Backbone folder {directory} does not exist.");
        var file = System.IO.Path.Combine(directory, FileName);
        if (!System.IO.File.Exists(file))
            throw new HfBackboneFormatException($"{directory} has no {FileName}; a Hugging Face backbone folder needs its config next to the weights.");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(System.IO.File.ReadAllText(file),
                documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new HfBackboneFormatException($"{file} is not valid JSON: {e.Message}", e);
        }
        return root is JsonObject obj
            ? new HfConfigJson(obj, file, "")
            : throw new HfBackboneFormatException($"{file} must hold a JSON object.");
    }

    public bool Has(string key) => _node[key] is not null;

    /// <summary>The nested object <paramref name="key"/>, or null when absent.</summary>
    public HfConfigJson? Child(string key) => _node[key] switch
    {
        null => null,
        JsonObject obj => new HfConfigJson(obj, File, Path + key + "."),
        var other => throw WrongType(key, "an object", other),
    };

    public string? String(string key) => _node[key] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => text,
        var other => throw WrongType(key, "a string", other),
    };

    public int Int(string key, int fallback) => OptionalInt(key) ?? fallback;

    public int? OptionalInt(string key)
    {
        var node = _node[key];
        if (node is null) return null;
        // Integral doubles (768.0) are accepted: Python writes ints, but hand-edited files may not.
        if (node is JsonValue value && value.TryGetValue(out double number) && number == Math.Floor(number) && Math.Abs(number) <= int.MaxValue)
            return (int)number;
        throw WrongType(key, "an integer", node);
    }

    public double Double(string key, double fallback) => OptionalDouble(key) ?? fallback;

    public double? OptionalDouble(string key) => _node[key] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out double number) => number,
        var other => throw WrongType(key, "a number", other),
    };

    public bool Bool(string key, bool fallback) => _node[key] switch
    {
        null => fallback,
        JsonValue value when value.TryGetValue(out bool flag) => flag,
        var other => throw WrongType(key, "true or false", other),
    };

    /// <summary>
    /// The backbone's Hub name when the config records one (<c>_name_or_path</c>), else the folder's name. It becomes
    /// <c>vit_model_type</c> / <c>lm_model_type</c>, which only label the checkpoint (its weights are all in the file).
    /// </summary>
    public string BackboneName(string directory)
    {
        var recorded = String("_name_or_path");
        if (!string.IsNullOrWhiteSpace(recorded)) return recorded;
        return System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(directory)));
    }

    private HfBackboneFormatException WrongType(string key, string expected, JsonNode node) =>
        new($"{File}: field '{Path}{key}' must be {expected}, not {node.ToJsonString()}.");

    /// <summary>A number as the config would print it (invariant culture), for messages.</summary>
    public static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
