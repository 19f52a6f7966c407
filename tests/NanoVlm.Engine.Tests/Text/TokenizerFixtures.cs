using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

/// <summary>One reference encoding from expected-ids.json.</summary>
public sealed record ParityCase(string Family, bool AddSpecialTokens, string Text, int[] Ids, bool LenmlAgrees);

/// <summary>
/// Loads the fixtures that TestData/Tokenizers/make-fixtures.mjs wrote: the tokenizer files of each
/// family and the reference ids computed by the JavaScript ports of the Hugging Face library.
/// </summary>
public static class TokenizerFixtures
{
    public const string Gpt2 = "gpt2";
    public const string SmolLm2Shaped = "smollm2-shaped";
    public const string Qwen25 = "qwen2_5";
    public const string TinyIgnoreMerges = "tiny-ignore-merges";
    public const string TinyAddedTokens = "tiny-added-tokens";

    private static readonly Lazy<Expected> ExpectedLazy = new(LoadExpected);
    private static readonly ConcurrentDictionary<string, HfTokenizer> Tokenizers = new();

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "TestData", "Tokenizers");

    public static IReadOnlyList<ParityCase> Cases(string family) =>
        ExpectedLazy.Value.Cases.Where(c => c.Family == family).ToArray();

    /// <summary>The tokenizer of a family, built once per test run.</summary>
    public static HfTokenizer Tokenizer(string family) => Tokenizers.GetOrAdd(family, Load);

    /// <summary>The tokenizer.json text of a family (overrides applied), for tests that edit it.</summary>
    public static string TokenizerJson(string family)
    {
        FamilyFiles files = ExpectedLazy.Value.Families[family];
        JsonNode root = JsonNode.Parse(ReadMaybeGzip(Path.Combine(Folder, files.File)))!;
        if (files.Overrides is { } overridesFile)
        {
            JsonObject overrides = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, overridesFile)))!.AsObject();
            foreach ((string key, JsonNode? value) in overrides)
            {
                root[key] = value?.DeepClone();
            }
        }
        return root.ToJsonString();
    }

    private static HfTokenizer Load(string family)
    {
        FamilyFiles files = ExpectedLazy.Value.Families[family];
        return files.Overrides is null
            ? HfTokenizer.FromFile(Path.Combine(Folder, files.File))
            : HfTokenizer.FromJson(TokenizerJson(family));
    }

    private static string ReadMaybeGzip(string path)
    {
        using FileStream file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Expected LoadExpected()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected-ids.json")));
        var families = new Dictionary<string, FamilyFiles>();
        foreach (JsonElement f in doc.RootElement.GetProperty("families").EnumerateArray())
        {
            families[f.GetProperty("family").GetString()!] = new FamilyFiles(
                f.GetProperty("file").GetString()!,
                f.GetProperty("overrides").ValueKind == JsonValueKind.Null ? null : f.GetProperty("overrides").GetString());
        }
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new ParityCase(
            c.GetProperty("family").GetString()!,
            c.GetProperty("addSpecialTokens").GetBoolean(),
            c.GetProperty("text").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
            c.GetProperty("lenmlAgrees").GetBoolean())).ToArray();
        return new Expected(families, cases);
    }

    private sealed record FamilyFiles(string File, string? Overrides);

    private sealed record Expected(Dictionary<string, FamilyFiles> Families, ParityCase[] Cases);
}
