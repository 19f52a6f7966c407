using System.Text;
using System.Text.Json;

namespace NanoVlm.Engine.Text;

/// <summary>
/// Reads a Hugging Face tokenizer.json of the byte-level BPE family (GPT-2, SmolLM2, Llama-3, Qwen2)
/// into the pipeline parts of an <see cref="HfTokenizer"/>. Anything outside that family fails with an
/// <see cref="UnsupportedTokenizerException"/> naming the component and what is supported.
/// </summary>
internal static class TokenizerJsonReader
{
    public static HfTokenizer Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UnsupportedTokenizerException("A tokenizer.json must be a JSON object.");
        }
        if (root.TryGetProperty("version", out JsonElement version) && version.ValueKind == JsonValueKind.String
            && version.GetString() != "1.0")
        {
            throw new UnsupportedTokenizerException($"tokenizer.json version '{version.GetString()}' is not supported; only '1.0' is.");
        }

        BpeModel model = ReadModel(Required(root, "model", "tokenizer.json"));
        TextNormalizer? normalizer = ReadNormalizer(Optional(root, "normalizer"));
        PreTokenizer preTokenizer = ReadPreTokenizer(Optional(root, "pre_tokenizer")
            ?? throw new UnsupportedTokenizerException(
                "tokenizer.json has no pre_tokenizer; only byte-level BPE is supported, which needs a ByteLevel pre-tokenizer."));
        if (!ContainsByteLevel(preTokenizer))
        {
            throw new UnsupportedTokenizerException(
                "tokenizer.json's pre_tokenizer has no ByteLevel step; only byte-level BPE (GPT-2, SmolLM2, Llama-3, Qwen2) is supported.");
        }
        ReadDecoder(Optional(root, "decoder"));
        IReadOnlyList<AddedToken> addedTokens = ReadAddedTokens(Optional(root, "added_tokens"));
        AddedVocabulary added = AddedVocabulary.Empty.With(addedTokens, model, normalizer);
        PostProcessor postProcessor = ReadPostProcessor(Optional(root, "post_processor"));
        return new HfTokenizer(model, added, normalizer, preTokenizer, postProcessor);
    }

    private static BpeModel ReadModel(JsonElement model)
    {
        string? type = OptionalString(model, "type");
        if (type is null && !model.TryGetProperty("merges", out _))
        {
            throw new UnsupportedTokenizerException("tokenizer.json's model has no type and no merges; only 'BPE' models are supported.");
        }
        if (type is not null && type != "BPE")
        {
            throw new UnsupportedTokenizerException(
                $"tokenizer.json model type '{type}' is not supported; only 'BPE' (byte-level BPE: GPT-2, SmolLM2, Llama-3, Qwen2) is.");
        }
        if (Optional(model, "dropout") is { ValueKind: JsonValueKind.Number } dropout && dropout.GetDouble() > 0)
        {
            throw new UnsupportedTokenizerException("BPE dropout is not supported (it makes encoding random); set \"dropout\": null.");
        }

        JsonElement vocabElement = Required(model, "vocab", "model");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocabElement.EnumerateObject())
        {
            vocab[entry.Name] = entry.Value.GetInt32();
        }

        var merges = new List<(string, string)>();
        if (Optional(model, "merges") is { } mergesElement)
        {
            foreach (JsonElement merge in mergesElement.EnumerateArray())
            {
                merges.Add(ReadMerge(merge, merges.Count));
            }
        }

        var options = new BpeModelOptions
        {
            UnknownToken = OptionalString(model, "unk_token"),
            // An empty prefix/suffix behaves as none.
            ContinuingSubwordPrefix = NullIfEmpty(OptionalString(model, "continuing_subword_prefix")),
            EndOfWordSuffix = NullIfEmpty(OptionalString(model, "end_of_word_suffix")),
            FuseUnknown = OptionalBool(model, "fuse_unk", false),
            ByteFallback = OptionalBool(model, "byte_fallback", false),
            IgnoreMerges = OptionalBool(model, "ignore_merges", false),
        };
        return new BpeModel(vocab, merges, options);
    }

    /// <summary>A merge is either "left right" (older files) or ["left", "right"] (newer files).</summary>
    private static (string, string) ReadMerge(JsonElement merge, int rank)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            string text = merge.GetString()!;
            string[] parts = text.Split(' ');
            if (parts.Length != 2)
            {
                throw new UnsupportedTokenizerException($"BPE merge #{rank} '{text}' is not two tokens separated by one space.");
            }
            return (parts[0], parts[1]);
        }
        if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }
        throw new UnsupportedTokenizerException($"BPE merge #{rank} is neither \"a b\" nor [\"a\", \"b\"].");
    }

    private static TextNormalizer? ReadNormalizer(JsonElement? element)
    {
        if (element is not { } normalizer)
        {
            return null;
        }
        string type = RequiredString(normalizer, "type", "normalizer");
        return type switch
        {
            "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Sequence" => new NormalizerSequence(Required(normalizer, "normalizers", "Sequence normalizer")
                .EnumerateArray().Select(n => ReadNormalizer(n)!).ToArray()),
            _ => throw new UnsupportedTokenizerException(
                $"Normalizer type '{type}' is not supported; supported: {TextNormalizer.SupportedTypes}."),
        };
    }

    private static PreTokenizer ReadPreTokenizer(JsonElement element)
    {
        string type = RequiredString(element, "type", "pre_tokenizer");
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelPreTokenizer(
                    addPrefixSpace: OptionalBool(element, "add_prefix_space", true),
                    useRegex: OptionalBool(element, "use_regex", true));
            case "Split":
                {
                    SplitDelimiterBehavior behavior = ReadBehavior(RequiredString(element, "behavior", "Split pre-tokenizer"));
                    bool invert = OptionalBool(element, "invert", false);
                    JsonElement pattern = Required(element, "pattern", "Split pre-tokenizer");
                    if (OptionalString(pattern, "Regex") is { } regex)
                    {
                        return new SplitPreTokenizer(new CodePointRegex(regex), behavior, invert);
                    }
                    if (OptionalString(pattern, "String") is { } literal)
                    {
                        return SplitPreTokenizer.ForLiteral(literal, behavior, invert);
                    }
                    throw new UnsupportedTokenizerException("A Split pre-tokenizer's pattern must be {\"Regex\": ...} or {\"String\": ...}.");
                }
            case "Digits":
                return new DigitsPreTokenizer(OptionalBool(element, "individual_digits", false));
            case "Sequence":
                return new PreTokenizerSequence(Required(element, "pretokenizers", "Sequence pre-tokenizer")
                    .EnumerateArray().Select(ReadPreTokenizer).ToArray());
            default:
                throw new UnsupportedTokenizerException(
                    $"Pre-tokenizer type '{type}' is not supported; supported: {PreTokenizer.SupportedTypes}.");
        }
    }

    private static SplitDelimiterBehavior ReadBehavior(string behavior) => behavior switch
    {
        "Removed" => SplitDelimiterBehavior.Removed,
        "Isolated" => SplitDelimiterBehavior.Isolated,
        "MergedWithPrevious" => SplitDelimiterBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitDelimiterBehavior.MergedWithNext,
        "Contiguous" => SplitDelimiterBehavior.Contiguous,
        _ => throw new UnsupportedTokenizerException(
            $"Split behavior '{behavior}' is unknown; expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous."),
    };

    private static bool ContainsByteLevel(PreTokenizer preTokenizer) => preTokenizer switch
    {
        ByteLevelPreTokenizer => true,
        PreTokenizerSequence sequence => sequence.PreTokenizers.Any(ContainsByteLevel),
        _ => false,
    };

    /// <summary>Only the ByteLevel decoder (alone or as the only kind in a Sequence) fits byte-level BPE.</summary>
    private static void ReadDecoder(JsonElement? element)
    {
        if (element is not { } decoder)
        {
            throw new UnsupportedTokenizerException("tokenizer.json has no decoder; byte-level BPE needs the ByteLevel decoder.");
        }
        string type = RequiredString(decoder, "type", "decoder");
        if (type == "ByteLevel")
        {
            return;
        }
        if (type == "Sequence")
        {
            foreach (JsonElement inner in Required(decoder, "decoders", "Sequence decoder").EnumerateArray())
            {
                ReadDecoder(inner);
            }
            return;
        }
        throw new UnsupportedTokenizerException($"Decoder type '{type}' is not supported; supported: ByteLevel (or a Sequence of ByteLevel).");
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement? element)
    {
        var tokens = new List<AddedToken>();
        if (element is not { } array)
        {
            return tokens;
        }
        foreach (JsonElement t in array.EnumerateArray())
        {
            bool special = OptionalBool(t, "special", false);
            tokens.Add(new AddedToken(
                RequiredString(t, "content", "added token"),
                Special: special,
                Normalized: OptionalBool(t, "normalized", !special),
                SingleWord: OptionalBool(t, "single_word", false),
                LeftStrip: OptionalBool(t, "lstrip", false),
                RightStrip: OptionalBool(t, "rstrip", false)));
        }
        return tokens;
    }

    private static PostProcessor ReadPostProcessor(JsonElement? element)
    {
        if (element is not { } processor)
        {
            return PostProcessor.None;
        }
        string type = RequiredString(processor, "type", "post_processor");
        switch (type)
        {
            case "ByteLevel":
                return PostProcessor.None;
            case "TemplateProcessing":
                return ReadTemplate(processor);
            case "Sequence":
                {
                    // Each processor wraps the output of the one before it.
                    var prefix = new List<int>();
                    var suffix = new List<int>();
                    foreach (JsonElement inner in Required(processor, "processors", "Sequence post-processor").EnumerateArray())
                    {
                        PostProcessor p = ReadPostProcessor(inner);
                        prefix.InsertRange(0, p.PrefixIds);
                        suffix.AddRange(p.SuffixIds);
                    }
                    return new PostProcessor(prefix, suffix);
                }
            default:
                throw new UnsupportedTokenizerException(
                    $"Post-processor type '{type}' is not supported; supported: {PostProcessor.SupportedTypes}.");
        }
    }

    /// <summary>The single-sequence template: special-token ids before and after sequence "A".</summary>
    private static PostProcessor ReadTemplate(JsonElement processor)
    {
        JsonElement specialTokens = Required(processor, "special_tokens", "TemplateProcessing");
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool seenSequence = false;
        foreach (JsonElement piece in Required(processor, "single", "TemplateProcessing").EnumerateArray())
        {
            if (piece.TryGetProperty("Sequence", out _))
            {
                seenSequence = true;
                continue;
            }
            if (!piece.TryGetProperty("SpecialToken", out JsonElement special))
            {
                throw new UnsupportedTokenizerException("A TemplateProcessing piece must be a Sequence or a SpecialToken.");
            }
            string name = RequiredString(special, "id", "TemplateProcessing special token");
            if (!specialTokens.TryGetProperty(name, out JsonElement definition))
            {
                throw new UnsupportedTokenizerException($"TemplateProcessing uses '{name}', which its special_tokens do not define.");
            }
            List<int> target = seenSequence ? suffix : prefix;
            target.AddRange(Required(definition, "ids", "TemplateProcessing special token").EnumerateArray().Select(i => i.GetInt32()));
        }
        return new PostProcessor(prefix, suffix);
    }

    private static JsonElement Required(JsonElement parent, string name, string where) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new UnsupportedTokenizerException($"tokenizer.json: {where} has no '{name}'.");

    private static JsonElement? Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string RequiredString(JsonElement parent, string name, string where) =>
        Required(parent, name, where).GetString() ?? throw new UnsupportedTokenizerException($"tokenizer.json: {where} has no '{name}'.");

    private static string? OptionalString(JsonElement parent, string name) =>
        Optional(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static bool OptionalBool(JsonElement parent, string name, bool fallback) =>
        Optional(parent, name) is { } value && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : fallback;

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
