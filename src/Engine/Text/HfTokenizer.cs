using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace NanoVlm.Engine.Text;

/// <summary>
/// A Hugging Face tokenizer.json of the byte-level BPE family (GPT-2, SmolLM2, Llama-3, Qwen2),
/// producing the same ids as the Hugging Face <c>tokenizers</c> library.
/// </summary>
/// <remarks>
/// Encoding runs the library's pipeline: added tokens matched on the raw text → normalizer →
/// added tokens matched on the normalized text → pre-tokenizer (Split / Digits / ByteLevel) → BPE per
/// word → post-processor template. Truncation and padding settings in the file are ignored: callers
/// decide sequence lengths. Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class HfTokenizer : ITextTokenizer
{
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizer _preTokenizer;
    private readonly PostProcessor _postProcessor;

    internal HfTokenizer(
        BpeModel model,
        AddedVocabulary addedTokens,
        TextNormalizer? normalizer,
        PreTokenizer preTokenizer,
        PostProcessor postProcessor)
    {
        Model = model;
        AddedTokens = addedTokens;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _postProcessor = postProcessor;
    }

    /// <summary>
    /// Loads a tokenizer.json. <paramref name="path"/> may be the file, a gzip of it (detected by its
    /// magic bytes), or a folder holding <c>tokenizer.json</c>.
    /// </summary>
    public static HfTokenizer FromFile(string path)
    {
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "tokenizer.json");
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No tokenizer.json at '{path}'.", path);
        }
        using FileStream stream = File.OpenRead(path);
        return FromStream(stream);
    }

    /// <summary>Loads a tokenizer.json (plain or gzip) from a stream.</summary>
    public static HfTokenizer FromStream(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        byte[] data = buffer.ToArray();
        if (data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B)
        {
            using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
            using var inflated = new MemoryStream();
            gzip.CopyTo(inflated);
            data = inflated.ToArray();
        }
        using JsonDocument document = JsonDocument.Parse(data);
        return TokenizerJsonReader.Read(document.RootElement);
    }

    /// <summary>Loads a tokenizer.json from its text.</summary>
    public static HfTokenizer FromJson(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return TokenizerJsonReader.Read(document.RootElement);
    }

    /// <summary>The BPE model (base vocabulary and merges).</summary>
    public BpeModel Model { get; }

    /// <summary>The added tokens (special and not).</summary>
    public AddedVocabulary AddedTokens { get; }

    /// <summary>Size of the BPE vocabulary without added tokens that are not in it.</summary>
    public int BaseVocabularySize => Model.VocabularySize;

    /// <inheritdoc />
    public int VocabularySize
    {
        get
        {
            int overlapping = AddedTokens.Tokens.Count(t => Model.TryGetId(t.Token.Content, out _));
            return Model.VocabularySize + AddedTokens.Count - overlapping;
        }
    }

    /// <inheritdoc />
    public int IdLimit => Math.Max(Model.VocabularySize, AddedTokens.MaxId + 1);

    /// <inheritdoc />
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        var pieces = new List<string>(1);
        foreach (TextSegment segment in AddedTokens.Split(text, _normalizer))
        {
            if (segment.TokenId is int addedId)
            {
                ids.Add(addedId);
                continue;
            }
            pieces.Clear();
            _preTokenizer.Split(segment.Text, pieces);
            foreach (string word in pieces)
            {
                Model.EncodeWord(word, ids);
            }
        }
        return _postProcessor.Apply(ids, addSpecialTokens);
    }

    /// <summary>Text → token strings (byte-level spelling, e.g. "Ġworld"), for inspection.</summary>
    public IReadOnlyList<string> Tokenize(string text, bool addSpecialTokens = false) =>
        Encode(text, addSpecialTokens).Select(id => IdToToken(id) ?? "").ToArray();

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            string? token = IdToToken(id);
            if (token is null || (skipSpecialTokens && AddedTokens.IsSpecial(token)))
            {
                continue;
            }
            AppendByteLevelDecoded(token, bytes);
        }
        // Invalid UTF-8 (a multi-byte character cut between ids) becomes U+FFFD, as Rust's from_utf8_lossy.
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <inheritdoc />
    public int? TokenToId(string token) =>
        AddedTokens.TryGetId(token, out int added) ? added
        : Model.TryGetId(token, out int id) ? id
        : null;

    /// <inheritdoc />
    public string? IdToToken(int id) => AddedTokens.IdToContent(id) ?? Model.IdToToken(id);

    /// <inheritdoc />
    public bool IsSpecial(int id) => IdToToken(id) is { } token && AddedTokens.IsSpecial(token);

    /// <summary>
    /// A copy with more added tokens, assigned ids as the Hugging Face library does (existing entries
    /// keep theirs; new ones are numbered from the vocabulary size on).
    /// </summary>
    public HfTokenizer WithAddedTokens(IEnumerable<AddedToken> tokens) =>
        new(Model, AddedTokens.With(tokens, Model, _normalizer), _normalizer, _preTokenizer, _postProcessor);

    /// <summary>A copy with more special tokens (never split, not normalized, skipped by skipSpecialTokens).</summary>
    public HfTokenizer WithSpecialTokens(IEnumerable<string> contents) =>
        WithAddedTokens(contents.Select(AddedToken.SpecialToken));

    /// <summary>
    /// The ByteLevel decoder: a token whose characters are all byte stand-ins becomes those bytes;
    /// any other token (e.g. an added token with characters outside the table) is taken as UTF-8 text.
    /// </summary>
    private static void AppendByteLevelDecoded(string token, List<byte> bytes)
    {
        int start = bytes.Count;
        foreach (char c in token)
        {
            if (!ByteLevelAlphabet.TryCharToByte(c, out byte b))
            {
                bytes.RemoveRange(start, bytes.Count - start);
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
            bytes.Add(b);
        }
    }
}
