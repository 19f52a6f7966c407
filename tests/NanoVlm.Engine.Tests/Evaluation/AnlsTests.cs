using NanoVlm.Engine.Evaluation;

namespace NanoVlm.Engine.Tests.Evaluation;

/// <summary>ANLS on values worked out by hand (distance / longer normalised length, τ = 0.5).</summary>
public sealed class AnlsTests
{
    private const int Precision = 12;

    [Theory]
    [InlineData("\tHello \n  World  ", "hello world")]
    [InlineData("ÉTÉ  Ü", "été ü")]
    [InlineData("   ", "")]
    [InlineData("a", "a")]
    public void NormalizeTrimsLowercasesAndCollapsesWhitespace(string text, string expected) =>
        Assert.Equal(expected, Anls.Normalize(text));

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("", "abc", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("abcd", "abce", 1)]
    [InlineData("same", "same", 0)]
    public void LevenshteinCountsInsertionsDeletionsAndSubstitutionsBothWays(string a, string b, int expected)
    {
        Assert.Equal(expected, Anls.Levenshtein(a, b));
        Assert.Equal(expected, Anls.Levenshtein(b, a));
    }

    [Theory]
    [InlineData("  The  Cat ", "the cat", 1.0)]             // normalisation makes them equal
    [InlineData("abce", "abcd", 0.75)]                      // 1 edit / 4
    [InlineData("sitting", "kitten", 4.0 / 7.0)]            // 3 edits / 7 → 1 − 3/7
    [InlineData("ac", "ab", 0.0)]                           // NL = 0.5 exactly: not < τ, so 0
    [InlineData("xyz", "abc", 0.0)]                         // NL = 1
    [InlineData("", "yes", 0.0)]                            // empty prediction
    [InlineData("", "", 1.0)]                               // both empty: NL defined as 0
    [InlineData("university of california", "University of California, San Diego", 1.0 - 11.0 / 35.0)] // 11 insertions / 35
    [InlineData("March 3, 1998", "march 3 1998", 1.0 - 1.0 / 13.0)]  // one comma / 13
    public void ScoreAgainstOneAnswer(string prediction, string answer, double expected) =>
        Assert.Equal(expected, Anls.Score(prediction, [answer]), Precision);

    [Fact]
    public void TheBestAnswerCountsAndNoAnswersScoreZero()
    {
        Assert.Equal(1.0, Anls.Score("1975", ["1976", "nineteen seventy five", "1975 "]), Precision);
        Assert.Equal(0.75, Anls.Score("abce", ["xxxx", "abcd"]), Precision);
        Assert.Equal(0.0, Anls.Score("anything", []));
    }

    [Fact]
    public void MeanIsOverQuestions()
    {
        var mean = Anls.Mean([("cat", ["cat"]), ("sitting", ["kitten"]), ("xyz", ["abc"])]);
        Assert.Equal((1.0 + 4.0 / 7.0 + 0.0) / 3.0, mean, Precision);
        Assert.Equal(0.0, Anls.Mean([]));
    }

    [Fact]
    public void TheLmmsEvalVariantDiffersOnlyWhereTheClassCommentSays()
    {
        // Ordinary answers: identical.
        Assert.Equal(Anls.Score("sitting", ["kitten"]), Anls.LmmsEvalScore("sitting", ["kitten"]), Precision);
        // (a) raw-length denominator: "  cat  " is 7 raw characters; distance to "cab" is 1 after normalising.
        Assert.Equal(1.0 - 1.0 / 3.0, Anls.Score("  cat  ", ["cab"]), Precision);
        Assert.Equal(1.0 - 1.0 / 7.0, Anls.LmmsEvalScore("  cat  ", ["cab"]), Precision);
        // (b) NL = 0.5 exactly: 0 in the pinned definition, 0.5 in lmms-eval.
        Assert.Equal(0.0, Anls.Score("ac", ["ab"]));
        Assert.Equal(0.5, Anls.LmmsEvalScore("ac", ["ab"]), Precision);
        // Below the threshold both give 0.
        Assert.Equal(0.0, Anls.LmmsEvalScore("xyz", ["abc"]));
    }
}
