using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace NanoVlm.Engine.Text;

/// <summary>Options of a tokenizer.json "BPE" model besides its vocabulary and merges.</summary>
public sealed record BpeModelOptions
{
    public string? UnknownToken { get; init; }
    public string? ContinuingSubwordPrefix { get; init; }
    public string? EndOfWordSuffix { get; init; }
    public bool FuseUnknown { get; init; }
    public bool ByteFallback { get; init; }

    /// <summary>Llama-3: a word that is already a vocabulary entry is emitted whole, without applying merges.</summary>
    public bool IgnoreMerges { get; init; }
}

/// <summary>
/// The BPE model of a tokenizer.json: turns one pre-tokenized word into ids by starting from single
/// characters and repeatedly applying the lowest-ranked merge (leftmost first on ties), exactly as the
/// Rust library's <c>Word::merge_all</c>. Results are cached per word; safe for concurrent use.
/// </summary>
public sealed class BpeModel
{
    private const int MaxCachedWords = 200_000;
    private const int MaxCachedWordLength = 256;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<int, string> _idToToken;
    private readonly Dictionary<long, Merge> _merges;
    private readonly int? _unknownId;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, BpeModelOptions options)
    {
        _vocab = vocab;
        Options = options;
        _idToToken = new Dictionary<int, string>(vocab.Count);
        foreach ((string token, int id) in vocab)
        {
            _idToToken[id] = token;
        }

        int prefixLength = options.ContinuingSubwordPrefix?.Length ?? 0;
        _merges = new Dictionary<long, Merge>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            (string left, string right) = merges[rank];
            int leftId = RequireToken(left, rank);
            int rightId = RequireToken(right, rank);
            // As in the Rust library, the right part loses its continuing-subword prefix when joined.
            string joined = left + (right.Length >= prefixLength ? right[prefixLength..] : right);
            int newId = RequireToken(joined, rank);
            // A pair listed twice keeps its first (best) rank.
            _merges.TryAdd(PairKey(leftId, rightId), new Merge(rank, newId));
        }

        if (options.UnknownToken is { } unk)
        {
            if (!vocab.TryGetValue(unk, out int unkId))
            {
                throw new UnsupportedTokenizerException($"The BPE unk_token '{unk}' is not in the vocabulary.");
            }
            _unknownId = unkId;
        }
    }

    public BpeModelOptions Options { get; }

    /// <summary>Number of vocabulary entries (the Rust library's <c>get_vocab_size</c>).</summary>
    public int VocabularySize => _vocab.Count;

    public int MergeCount => _merges.Count;

    public bool TryGetId(string token, out int id) => _vocab.TryGetValue(token, out id);

    public string? IdToToken(int id) => _idToToken.GetValueOrDefault(id);

    /// <summary>Appends the ids of one pre-tokenized word to <paramref name="ids"/>.</summary>
    public void EncodeWord(string word, List<int> ids)
    {
        if (word.Length == 0)
        {
            return;
        }
        if (_cache.TryGetValue(word, out int[]? cached))
        {
            ids.AddRange(cached);
            return;
        }
        int[] result = EncodeUncached(word);
        if (word.Length <= MaxCachedWordLength && _cache.Count < MaxCachedWords)
        {
            _cache.TryAdd(word, result);
        }
        ids.AddRange(result);
    }

    private int[] EncodeUncached(string word)
    {
        if (Options.IgnoreMerges && _vocab.TryGetValue(word, out int wholeId))
        {
            return [wholeId];
        }
        var symbols = InitialSymbols(word);
        MergeAll(symbols);
        return symbols.ToArray();
    }

    /// <summary>One symbol per character (with prefix/suffix rules, unknown and byte-fallback handling).</summary>
    private List<int> InitialSymbols(string word)
    {
        var symbols = new List<int>(word.Length);
        int? pendingUnknown = null;
        int index = 0;
        foreach (Rune rune in word.EnumerateRunes())
        {
            bool isFirst = index == 0;
            index += rune.Utf16SequenceLength;
            bool isLast = index == word.Length;

            string piece = rune.ToString();
            if (!isFirst && Options.ContinuingSubwordPrefix is { } prefix) piece = prefix + piece;
            if (isLast && Options.EndOfWordSuffix is { } suffix) piece += suffix;

            if (_vocab.TryGetValue(piece, out int id))
            {
                FlushUnknown(symbols, ref pendingUnknown);
                symbols.Add(id);
                continue;
            }
            if (Options.ByteFallback && TryByteFallback(rune) is { } byteIds)
            {
                FlushUnknown(symbols, ref pendingUnknown);
                symbols.AddRange(byteIds);
                continue;
            }
            if (_unknownId is int unkId)
            {
                // fuse_unk: consecutive unknown characters become one unknown token.
                if (pendingUnknown is not null && !Options.FuseUnknown)
                {
                    symbols.Add(pendingUnknown.Value);
                }
                pendingUnknown = unkId;
            }
            // Without an unk_token the Rust library silently drops the character; so does this.
        }
        FlushUnknown(symbols, ref pendingUnknown);
        return symbols;
    }

    private static void FlushUnknown(List<int> symbols, ref int? pendingUnknown)
    {
        if (pendingUnknown is int unk)
        {
            symbols.Add(unk);
            pendingUnknown = null;
        }
    }

    /// <summary>byte_fallback: the character's UTF-8 bytes as &lt;0xXX&gt; tokens, or null if one is missing.</summary>
    private int[]? TryByteFallback(Rune rune)
    {
        Span<byte> utf8 = stackalloc byte[4];
        int count = rune.EncodeToUtf8(utf8);
        var ids = new int[count];
        for (int i = 0; i < count; i++)
        {
            string token = "<0x" + utf8[i].ToString("X2", CultureInfo.InvariantCulture) + ">";
            if (!_vocab.TryGetValue(token, out ids[i]))
            {
                return null;
            }
        }
        return ids;
    }

    /// <summary>
    /// Applies merges until none applies: always the pair with the lowest rank, leftmost on ties.
    /// A doubly linked list over the symbols plus a priority queue keeps long words O(n log n).
    /// </summary>
    private void MergeAll(List<int> symbols)
    {
        int n = symbols.Count;
        if (n < 2)
        {
            return;
        }
        int[] id = symbols.ToArray();
        int[] prev = new int[n];
        int[] next = new int[n];
        bool[] alive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }

        var queue = new PriorityQueue<Candidate, (int Rank, int Position)>();
        for (int i = 0; i + 1 < n; i++)
        {
            Enqueue(queue, i, i + 1, id[i], id[i + 1]);
        }

        while (queue.TryDequeue(out Candidate c, out _))
        {
            // Skip candidates made stale by an earlier merge: a side is gone, no longer adjacent, or changed.
            if (!alive[c.Left] || !alive[c.Right] || next[c.Left] != c.Right
                || id[c.Left] != c.LeftId || id[c.Right] != c.RightId)
            {
                continue;
            }
            id[c.Left] = c.NewId;
            alive[c.Right] = false;
            int after = next[c.Right];
            next[c.Left] = after;
            if (after != -1)
            {
                prev[after] = c.Left;
                Enqueue(queue, c.Left, after, id[c.Left], id[after]);
            }
            if (prev[c.Left] != -1)
            {
                int before = prev[c.Left];
                Enqueue(queue, before, c.Left, id[before], id[c.Left]);
            }
        }

        symbols.Clear();
        for (int i = 0; i != -1; i = next[i])
        {
            symbols.Add(id[i]);
        }
    }

    private void Enqueue(PriorityQueue<Candidate, (int, int)> queue, int left, int right, int leftId, int rightId)
    {
        if (_merges.TryGetValue(PairKey(leftId, rightId), out Merge merge))
        {
            queue.Enqueue(new Candidate(left, right, leftId, rightId, merge.NewId), (merge.Rank, left));
        }
    }

    private int RequireToken(string token, int rank) => _vocab.TryGetValue(token, out int id)
        ? id
        : throw new UnsupportedTokenizerException($"BPE merge #{rank} refers to '{token}', which is not in the vocabulary.");

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private readonly record struct Merge(int Rank, int NewId);

    private readonly record struct Candidate(int Left, int Right, int LeftId, int RightId, int NewId);
}
