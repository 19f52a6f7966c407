using System.Text.Json;
using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>
/// <c>import.json</c>, written beside a checkpoint built from Hugging Face backbones: where the backbones came from
/// and which tokenizer the model's ids belong to. nanoVLM checkpoints store no tokenizer (spec §3.4), so without
/// this record a model imported from a SmolLM2 folder would lose the tokenizer that folder carried.
/// </summary>
public sealed record ImportRecord
{
    public const string FileName = "import.json";

    /// <summary>The copy of the language folder's tokenizer written beside the weights.</summary>
    public const string TokenizerFileName = "tokenizer.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    [JsonPropertyName("vision")] public required string Vision { get; init; }
    [JsonPropertyName("language")] public required string Language { get; init; }

    /// <summary>The tokenizer file in the checkpoint folder (a copy of the language folder's), or null when that folder had none.</summary>
    [JsonPropertyName("tokenizer")] public string? Tokenizer { get; init; }

    /// <summary>Where the tokenizer was copied from, or why there is none.</summary>
    [JsonPropertyName("tokenizer_source")] public required string TokenizerSource { get; init; }

    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("imported_at")] public DateTime ImportedAt { get; init; }

    /// <summary>The record in <paramref name="directory"/>, or null when it has none (not an import).</summary>
    /// <exception cref="InvalidDataException">the file exists but is not a record</exception>
    public static ImportRecord? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ImportRecord>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path} is empty (null).");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid import record: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes the record, with a copy of the language folder's <c>tokenizer.json</c> when it has one, into
    /// <paramref name="directory"/> (the checkpoint's staging folder).
    /// </summary>
    public static ImportRecord Write(string directory, string visionDirectory, string languageDirectory, int seed)
    {
        var sourceTokenizer = Path.Combine(languageDirectory, TokenizerFileName);
        var hasTokenizer = File.Exists(sourceTokenizer);
        if (hasTokenizer) File.Copy(sourceTokenizer, Path.Combine(directory, TokenizerFileName));
        var record = new ImportRecord
        {
            Vision = visionDirectory,
            Language = languageDirectory,
            Tokenizer = hasTokenizer ? TokenizerFileName : null,
            TokenizerSource = hasTokenizer
                ? sourceTokenizer
                : $"{languageDirectory} has no {TokenizerFileName}; put that model's tokenizer.json beside this checkpoint's config.json",
            Seed = seed,
            ImportedAt = DateTime.UtcNow,
        };
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(record, Json));
        return record;
    }
}
