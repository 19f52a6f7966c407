using System.Text;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

/// <summary>
/// Ids must equal the Hugging Face library's, case by case, on real tokenizer.json files (GPT-2,
/// Qwen2.5, GPT-2 in SmolLM2's pipeline shape) and on small synthetic ones.
/// </summary>
public sealed class HfTokenizerParityTests
{
    public static TheoryData<string> Families => new()
    {
        TokenizerFixtures.Gpt2,
        TokenizerFixtures.SmolLm2Shaped,
        TokenizerFixtures.Qwen25,
        TokenizerFixtures.TinyIgnoreMerges,
        TokenizerFixtures.TinyAddedTokens,
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void EncodeMatchesReferenceIdsForEveryCase(string family)
    {
        HfTokenizer tokenizer = TokenizerFixtures.Tokenizer(family);
        IReadOnlyList<ParityCase> cases = TokenizerFixtures.Cases(family);
        Assert.NotEmpty(cases);

        var failures = new List<string>();
        foreach (ParityCase c in cases)
        {
            int[] actual = tokenizer.Encode(c.Text, c.AddSpecialTokens);
            if (!actual.SequenceEqual(c.Ids))
            {
                failures.Add($"text={Escape(c.Text)} addSpecial={c.AddSpecialTokens}\n  expected [{string.Join(",", c.Ids)}]\n  actual   [{string.Join(",", actual)}]");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{cases.Count} cases differ:\n{string.Join("\n", failures.Take(10))}");
    }

    [Theory]
    [InlineData(TokenizerFixtures.Gpt2)]
    [InlineData(TokenizerFixtures.SmolLm2Shaped)]
    [InlineData(TokenizerFixtures.Qwen25)]
    public void DecodeOfReferenceIdsGivesBackTheNormalizedText(string family)
    {
        HfTokenizer tokenizer = TokenizerFixtures.Tokenizer(family);
        // Qwen2.5 normalizes to NFC before tokenizing; the others keep the text as is.
        Func<string, string> normalize = family == TokenizerFixtures.Qwen25 ? t => t.Normalize(NormalizationForm.FormC) : t => t;
        foreach (ParityCase c in TokenizerFixtures.Cases(family))
        {
            Assert.Equal(normalize(c.Text), tokenizer.Decode(c.Ids));
        }
    }

    [Fact]
    public void DecodeSkippingSpecialTokensRemovesExactlyTheSpecialTokens()
    {
        HfTokenizer tokenizer = TokenizerFixtures.Tokenizer(TokenizerFixtures.SmolLm2Shaped);
        int[] ids = tokenizer.Encode("<|im_start|>user\nHi there<|im_end|>\n");
        Assert.Equal("<|im_start|>user\nHi there<|im_end|>\n", tokenizer.Decode(ids));
        Assert.Equal("user\nHi there\n", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void DecodeOfAMultibyteCharacterCutBetweenIdsGivesAReplacementCharacter()
    {
        HfTokenizer tokenizer = TokenizerFixtures.Tokenizer(TokenizerFixtures.Gpt2);
        int[] ids = tokenizer.Encode("😀");
        Assert.True(ids.Length > 1, "GPT-2 spells this emoji with several byte tokens");
        Assert.Contains('\uFFFD', tokenizer.Decode(ids[..1]));
    }

    [Fact]
    public void TokenAndIdLookupsCoverVocabularyAndAddedTokens()
    {
        HfTokenizer gpt2 = TokenizerFixtures.Tokenizer(TokenizerFixtures.Gpt2);
        Assert.Equal(15496, gpt2.TokenToId("Hello"));
        Assert.Equal("Ġworld", gpt2.IdToToken(995));
        Assert.Equal(50256, gpt2.TokenToId("<|endoftext|>"));
        Assert.True(gpt2.IsSpecial(50256));
        Assert.False(gpt2.IsSpecial(995));
        Assert.Null(gpt2.TokenToId("not a token at all"));
        Assert.Null(gpt2.IdToToken(10_000_000));
        Assert.Equal(50257, gpt2.VocabularySize);
        Assert.Equal(["Hello", "Ġworld"], gpt2.Tokenize("Hello world"));

        HfTokenizer qwen = TokenizerFixtures.Tokenizer(TokenizerFixtures.Qwen25);
        Assert.Equal(151644, qwen.TokenToId("<|im_start|>"));
        Assert.Equal(151665, qwen.IdLimit);
    }

    private static string Escape(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
