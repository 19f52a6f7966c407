using System.Globalization;
using System.Text;

namespace NanoVlm.Engine.Text;

/// <summary>
/// The added tokens of a tokenizer and the logic that finds them in text, following the Rust
/// library's <c>AddedVocabulary</c>: id assignment, leftmost-longest matching, and the
/// <c>single_word</c> / <c>lstrip</c> / <c>rstrip</c> rules. Immutable; <see cref="With"/> returns a copy.
/// </summary>
public sealed class AddedVocabulary
{
    private readonly Dictionary<string, int> _contentToId;
    private readonly Dictionary<int, AddedToken> _idToToken;
    private readonly Dictionary<int, string> _normalizedContent;
    private readonly HashSet<string> _specialContents;
    private readonly TokenMatcher _rawMatcher;
    private readonly TokenMatcher _normalizedMatcher;

    private AddedVocabulary(
        Dictionary<string, int> contentToId,
        Dictionary<int, AddedToken> idToToken,
        Dictionary<int, string> normalizedContent,
        HashSet<string> specialContents)
    {
        _contentToId = contentToId;
        _idToToken = idToToken;
        _normalizedContent = normalizedContent;
        _specialContents = specialContents;

        var raw = new List<(string, int)>();
        var normalized = new List<(string, int)>();
        foreach ((int id, AddedToken token) in idToToken.OrderBy(p => p.Key))
        {
            if (token.Normalized)
            {
                normalized.Add((normalizedContent.GetValueOrDefault(id, token.Content), id));
            }
            else
            {
                raw.Add((token.Content, id));
            }
        }
        _rawMatcher = new TokenMatcher(raw);
        _normalizedMatcher = new TokenMatcher(normalized);
    }

    public static AddedVocabulary Empty { get; } = new([], [], [], []);

    /// <summary>Number of distinct added-token contents.</summary>
    public int Count => _contentToId.Count;

    /// <summary>Added tokens by id, ascending.</summary>
    public IEnumerable<(int Id, AddedToken Token)> Tokens => _idToToken.OrderBy(p => p.Key).Select(p => (p.Key, p.Value));

    /// <summary>Highest added id, or -1.</summary>
    public int MaxId => _idToToken.Count == 0 ? -1 : _idToToken.Keys.Max();

    public bool TryGetId(string content, out int id) => _contentToId.TryGetValue(content, out id);

    /// <summary>The token text an id decodes to (its normalized form for normalized tokens), or null.</summary>
    public string? IdToContent(int id) => _idToToken.TryGetValue(id, out AddedToken? token)
        ? _normalizedContent.GetValueOrDefault(id, token.Content)
        : null;

    public bool IsSpecial(string content) => _specialContents.Contains(content);

    public AddedToken? GetToken(int id) => _idToToken.GetValueOrDefault(id);

    /// <summary>
    /// Adds tokens in order, as the Rust library's <c>add_tokens</c>: a token whose content is already
    /// an added token or a model vocabulary entry keeps that id; a new one gets the next free id, which
    /// starts at the model's vocabulary size (or after the highest added id if that is already beyond it).
    /// </summary>
    public AddedVocabulary With(IEnumerable<AddedToken> tokens, BpeModel model, TextNormalizer? normalizer)
    {
        var contentToId = new Dictionary<string, int>(_contentToId, StringComparer.Ordinal);
        var idToToken = new Dictionary<int, AddedToken>(_idToToken);
        var normalizedContent = new Dictionary<int, string>(_normalizedContent);
        var specials = new HashSet<string>(_specialContents, StringComparer.Ordinal);

        int maxAdded = idToToken.Count == 0 ? -1 : idToToken.Keys.Max();
        int nextId = maxAdded < 0 ? model.VocabularySize
            : maxAdded >= model.VocabularySize || model.VocabularySize == 0 ? maxAdded + 1
            : model.VocabularySize;

        foreach (AddedToken token in tokens)
        {
            if (token.Content.Length == 0)
            {
                continue;
            }
            if (contentToId.TryGetValue(token.Content, out int existing) && idToToken.GetValueOrDefault(existing) == token)
            {
                continue;
            }
            int id;
            if (contentToId.TryGetValue(token.Content, out int addedId)) id = addedId;
            else if (model.TryGetId(token.Content, out int modelId)) id = modelId;
            else id = nextId++;

            normalizedContent.Remove(id);
            if (token.Normalized && normalizer is not null)
            {
                string normalized = normalizer.Normalize(token.Content);
                if (normalized != token.Content)
                {
                    normalizedContent[id] = normalized;
                }
            }
            contentToId[token.Content] = id;
            if (token.Special)
            {
                specials.Add(token.Content);
            }
            idToToken[id] = token;
        }
        return new AddedVocabulary(contentToId, idToToken, normalizedContent, specials);
    }

    /// <summary>
    /// Cuts <paramref name="text"/> into added tokens and the text between them: first the tokens that
    /// are matched on raw text, then, inside each remaining piece after normalization, the normalized ones.
    /// Pieces of ordinary text come back normalized.
    /// </summary>
    public List<TextSegment> Split(string text, TextNormalizer? normalizer)
    {
        var result = new List<TextSegment>();
        foreach (TextSegment raw in FindMatches(text, _rawMatcher))
        {
            if (raw.TokenId is not null)
            {
                result.Add(raw);
                continue;
            }
            string normalized = normalizer?.Normalize(raw.Text) ?? raw.Text;
            result.AddRange(FindMatches(normalized, _normalizedMatcher));
        }
        return result;
    }

    private List<TextSegment> FindMatches(string sentence, TokenMatcher matcher)
    {
        var segments = new List<TextSegment>();
        if (sentence.Length == 0)
        {
            return segments;
        }
        int consumed = 0;
        int searchFrom = 0;
        while (matcher.FindNext(sentence, searchFrom, out int start, out int length, out int id))
        {
            int stop = start + length;
            searchFrom = stop; // like the Rust matcher, the next search resumes after the match itself
            AddedToken token = _idToToken[id];
            if (token.SingleWord && !(IsWordBoundaryBefore(sentence, start) && IsWordBoundaryAfter(sentence, stop)))
            {
                continue;
            }
            if (token.LeftStrip)
            {
                start = Math.Max(StartOfTrailingWhitespace(sentence, start), consumed);
            }
            if (token.RightStrip)
            {
                stop = EndOfLeadingWhitespace(sentence, stop);
            }
            start = Math.Max(start, consumed);
            if (consumed < start)
            {
                segments.Add(new TextSegment(sentence[consumed..start], null));
            }
            segments.Add(new TextSegment(sentence[start..stop], id));
            consumed = stop;
        }
        if (consumed < sentence.Length)
        {
            segments.Add(new TextSegment(sentence[consumed..], null));
        }
        return segments;
    }

    // Word characters as the Rust regex crate's Unicode \w: letters, marks, decimal digits, connector
    // punctuation, letter numbers, and the two joiners.
    private static bool IsWordRune(Rune rune)
    {
        if (rune.Value is 0x200C or 0x200D)
        {
            return true;
        }
        return Rune.GetUnicodeCategory(rune) is
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.ConnectorPunctuation;
    }

    private static bool IsWordBoundaryBefore(string s, int index) =>
        index == 0 || Rune.DecodeLastFromUtf16(s.AsSpan(0, index), out Rune r, out _) != System.Buffers.OperationStatus.Done || !IsWordRune(r);

    private static bool IsWordBoundaryAfter(string s, int index) =>
        index == s.Length || Rune.DecodeFromUtf16(s.AsSpan(index), out Rune r, out _) != System.Buffers.OperationStatus.Done || !IsWordRune(r);

    // char.IsWhiteSpace is exactly Unicode White_Space, the Rust regex crate's \s.
    private static int StartOfTrailingWhitespace(string s, int end)
    {
        int i = end;
        while (i > 0 && char.IsWhiteSpace(s[i - 1])) i--;
        return i;
    }

    private static int EndOfLeadingWhitespace(string s, int start)
    {
        int i = start;
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        return i;
    }

    /// <summary>Leftmost-longest search over a set of literal strings.</summary>
    private sealed class TokenMatcher
    {
        private readonly Dictionary<char, (string Text, int Id)[]> _byFirstChar;
        private readonly System.Buffers.SearchValues<char> _firstChars;

        public TokenMatcher(IEnumerable<(string Text, int Id)> patterns)
        {
            _byFirstChar = patterns
                .Where(p => p.Text.Length > 0)
                .DistinctBy(p => p.Text)
                .GroupBy(p => p.Text[0])
                .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Text.Length).ToArray());
            _firstChars = System.Buffers.SearchValues.Create(_byFirstChar.Keys.ToArray());
        }

        public bool FindNext(string s, int from, out int start, out int length, out int id)
        {
            while (from < s.Length && _byFirstChar.Count > 0)
            {
                int offset = s.AsSpan(from).IndexOfAny(_firstChars);
                if (offset < 0)
                {
                    break;
                }
                int i = from + offset;
                foreach ((string text, int tokenId) in _byFirstChar[s[i]])
                {
                    if (s.AsSpan(i).StartsWith(text, StringComparison.Ordinal))
                    {
                        (start, length, id) = (i, text.Length, tokenId);
                        return true;
                    }
                }
                from = i + 1;
            }
            (start, length, id) = (0, 0, 0);
            return false;
        }
    }
}

/// <summary>A piece of text and, when it is an added token, that token's id.</summary>
public readonly record struct TextSegment(string Text, int? TokenId);
