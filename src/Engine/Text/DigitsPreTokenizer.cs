using System.Globalization;
using System.Text;

namespace NanoVlm.Engine.Text;

/// <summary>
/// tokenizer.json "Digits": separates numeric characters (any of Unicode Nd, Nl, No, as Rust's
/// <c>char::is_numeric</c>) from the rest; one piece per digit when <see cref="IndividualDigits"/>
/// (SmolLM2), else one piece per run of digits.
/// </summary>
public sealed class DigitsPreTokenizer(bool individualDigits) : PreTokenizer
{
    public bool IndividualDigits { get; } = individualDigits;

    public override void Split(string piece, List<string> output)
    {
        var digits = new List<(int Start, int Length)>();
        int index = 0;
        foreach (Rune rune in piece.EnumerateRunes())
        {
            if (IsNumeric(rune))
            {
                digits.Add((index, rune.Utf16SequenceLength));
            }
            index += rune.Utf16SequenceLength;
        }
        SplitDelimiterBehavior behavior = IndividualDigits ? SplitDelimiterBehavior.Isolated : SplitDelimiterBehavior.Contiguous;
        DelimiterSplitter.Split(piece, digits, behavior, invert: false, output);
    }

    private static bool IsNumeric(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}
