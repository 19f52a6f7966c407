using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NanoVlm.Engine.Text;

/// <summary>
/// A .NET regex that finds matches the way the Rust tokenizers library (Oniguruma, which works on
/// code points) does, for the split patterns tokenizer.json files use.
/// </summary>
/// <remarks>
/// .NET's regex engine works on UTF-16 units: a code point outside the BMP is two surrogates of category
/// Cs, so <c>\p{L}</c> does not match 𝐀 or 𠀀 and <c>\p{N}{1,3}</c> miscounts 𝟏𝟐𝟑. When the input
/// holds such code points, each is replaced by one BMP character of the same general category (what
/// <c>\p{..}</c>, <c>\w</c>, <c>\s</c> and <c>\d</c> look at), the pattern runs on that stand-in
/// string, and match boundaries are mapped back. Patterns that name specific supplementary code
/// points would not survive this; tokenizer split patterns use categories only.
/// </remarks>
public sealed class CodePointRegex
{
    private readonly Regex _regex;

    public CodePointRegex(string pattern)
    {
        Pattern = pattern;
        try
        {
            _regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw new UnsupportedTokenizerException(
                $"The split pattern '{pattern}' is not valid .NET regex syntax ({e.Message}). " +
                "Patterns with Oniguruma-only syntax (possessive quantifiers, \\h, POSIX brackets) are not supported.", e);
        }
    }

    public string Pattern { get; }

    /// <summary>Non-overlapping matches, left to right, as (start, length) in UTF-16 units of <paramref name="input"/>.</summary>
    public List<(int Start, int Length)> Matches(string input)
    {
        var result = new List<(int, int)>();
        if (!HasSurrogates(input))
        {
            for (Match m = _regex.Match(input); m.Success; m = m.NextMatch())
            {
                result.Add((m.Index, m.Length));
            }
            return result;
        }

        (string standIn, int[] originalIndex) = ReplaceSupplementaryCodePoints(input);
        for (Match m = _regex.Match(standIn); m.Success; m = m.NextMatch())
        {
            int start = originalIndex[m.Index];
            int end = originalIndex[m.Index + m.Length];
            result.Add((start, end - start));
        }
        return result;
    }

    private static bool HasSurrogates(string s)
    {
        foreach (char c in s)
        {
            if (char.IsSurrogate(c)) return true;
        }
        return false;
    }

    /// <summary>The stand-in string and, for each of its positions (plus the end), the position in the input.</summary>
    private static (string StandIn, int[] OriginalIndex) ReplaceSupplementaryCodePoints(string input)
    {
        var builder = new StringBuilder(input.Length);
        var originalIndex = new List<int>(input.Length + 1);
        int i = 0;
        while (i < input.Length)
        {
            originalIndex.Add(i);
            if (char.IsHighSurrogate(input[i]) && i + 1 < input.Length && char.IsLowSurrogate(input[i + 1]))
            {
                int codePoint = char.ConvertToUtf32(input[i], input[i + 1]);
                builder.Append(StandInFor(CharUnicodeInfo.GetUnicodeCategory(codePoint)));
                i += 2;
            }
            else
            {
                builder.Append(input[i]);
                i++;
            }
        }
        originalIndex.Add(input.Length);
        return (builder.ToString(), originalIndex.ToArray());
    }

    /// <summary>A BMP character of the given category, outside ASCII so literal pattern text never matches it.</summary>
    private static char StandInFor(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0100',
        UnicodeCategory.LowercaseLetter => '\u0101',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u01BB',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.SpaceSeparator => '\u2002',
        UnicodeCategory.LineSeparator => '\u2028',
        UnicodeCategory.ParagraphSeparator => '\u2029',
        UnicodeCategory.Control => '\u0080',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00A1',
        UnicodeCategory.MathSymbol => '\u00AC',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u00B4',
        UnicodeCategory.OtherSymbol => '\u00A6',
        _ => '\u0378', // unassigned (and lone surrogates, which never reach here)
    };
}
