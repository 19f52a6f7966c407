using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

/// <summary>
/// Pre-tokenizer behaviours checked against the outputs the Rust tokenizers library documents in its
/// own unit tests, for the parts the JavaScript references do not implement faithfully.
/// </summary>
public sealed class PreTokenizerTests
{
    private static List<string> Split(PreTokenizer p, string text)
    {
        var output = new List<string>();
        p.Split(text, output);
        return output;
    }

    [Theory]
    [InlineData(SplitDelimiterBehavior.Removed, new[] { "How", "are", "you", "doing", "?" })]
    [InlineData(SplitDelimiterBehavior.Isolated, new[] { "How", " ", "are", " ", "you", " ", "doing", "?" })]
    [InlineData(SplitDelimiterBehavior.MergedWithPrevious, new[] { "How ", "are ", "you ", "doing", "?" })]
    [InlineData(SplitDelimiterBehavior.MergedWithNext, new[] { "How", " are", " you", " doing", "?" })]
    [InlineData(SplitDelimiterBehavior.Contiguous, new[] { "How", " ", "are", " ", "you", " ", "doing?" })]
    public void SplitBehaviorsMatchTheRustLibrary(SplitDelimiterBehavior behavior, string[] expected)
    {
        // The Rust library's own test: words-or-punctuation pattern, inverted.
        var split = new SplitPreTokenizer(new CodePointRegex(@"\w+|[^\w\s]+"), behavior, invert: true);
        Assert.Equal(expected, Split(split, "How are you doing?"));
    }

    [Fact]
    public void LiteralSplitEscapesThePattern()
    {
        var split = SplitPreTokenizer.ForLiteral(".", SplitDelimiterBehavior.Removed, invert: false);
        Assert.Equal(["a", "b", "c"], Split(split, "a.b.c"));
    }

    [Fact]
    public void DigitsSplitsRunsOrSingleDigits()
    {
        Assert.Equal(["Hey ", "123", " friend!"], Split(new DigitsPreTokenizer(individualDigits: false), "Hey 123 friend!"));
        Assert.Equal(["Hey ", "1", "2", "3", " friend!"], Split(new DigitsPreTokenizer(individualDigits: true), "Hey 123 friend!"));
    }

    [Fact]
    public void DigitsTreatsEveryUnicodeNumberAsADigit()
    {
        // Rust's char::is_numeric (Nd, Nl, No); the JavaScript references only know ASCII 0-9.
        Assert.Equal([" ", "٣", "٤", "٥", "x", "𝟏", "²", "Ⅻ"], Split(new DigitsPreTokenizer(individualDigits: true), " ٣٤٥x𝟏²Ⅻ"));
        Assert.Equal(["a", "١٢3", "b"], Split(new DigitsPreTokenizer(individualDigits: false), "a١٢3b"));
    }

    [Fact]
    public void SupplementaryLettersAndDigitsMatchAsSingleCodePoints()
    {
        // \p{N}{1,3} must count 𝟏 as one digit, and \p{L}+ must take 𠀀 as a letter.
        var llama3Numbers = new SplitPreTokenizer(new CodePointRegex(@"\p{N}{1,3}|\p{L}+|\s+|."), SplitDelimiterBehavior.Isolated, invert: false);
        Assert.Equal(["𝟏𝟐𝟑", "𝟒", " ", "𠀀𠀁a", "😀"], Split(llama3Numbers, "𝟏𝟐𝟑𝟒 𠀀𠀁a😀"));
    }

    [Fact]
    public void ByteLevelAddsThePrefixSpaceAndSpellsBytes()
    {
        Assert.Equal(["Ġhello", "Ġworld"], Split(new ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true), "hello world"));
        Assert.Equal(["hello world".Replace(' ', 'Ġ')], Split(new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: false), "hello world"));
        Assert.Equal(["Ã©", "Ċ"], Split(new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true), "é\n"));
    }
}
