using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

public sealed class NanoVlmTokenizerTests
{
    [Fact]
    public void ExtraTokensAreThe66OfTheReferenceInOrder()
    {
        IReadOnlyList<string> extra = NanoVlmTokenizer.ExtraTokens;
        Assert.Equal(66, extra.Count);
        Assert.Equal("<|image|>", extra[0]);
        Assert.Equal("<|global_image|>", extra[1]);
        Assert.Equal("<row_1_col_1>", extra[2]);
        Assert.Equal("<row_1_col_8>", extra[9]);
        Assert.Equal("<row_2_col_1>", extra[10]);
        Assert.Equal("<row_8_col_8>", extra[65]);
        Assert.Equal(66, extra.Distinct().Count());
    }

    [Fact]
    public void OnSmolLm2LayoutTheIdsAreTheSpecTable()
    {
        NanoVlmTokenizer tok = NanoVlmTokenizer.Create(SyntheticTokenizerJson.SmolLm2Layout());

        Assert.Equal(49152, tok.ImageTokenId);
        Assert.Equal(49153, tok.GlobalImageTokenId);
        Assert.Equal(49154, tok.TileTokenId(1, 1));
        Assert.Equal(49161, tok.TileTokenId(1, 8));
        for (int r = 1; r <= 8; r++)
        {
            for (int c = 1; c <= 8; c++)
            {
                Assert.Equal(49154 + (r - 1) * 8 + (c - 1), tok.TileTokenId(r, c));
            }
        }
        Assert.Equal(49217, tok.TileTokenId(8, 8));
        Assert.Equal(2, tok.EosTokenId);
        Assert.Equal(2, tok.PadTokenId);
        Assert.Equal(49218, tok.Tokenizer.IdLimit);
        Assert.Equal(49218, tok.Tokenizer.VocabularySize);
    }

    [Fact]
    public void ExtraTokensAreMatchedWholeInTextAndSkippedAsSpecial()
    {
        NanoVlmTokenizer tok = NanoVlmTokenizer.Create(SyntheticTokenizerJson.SmolLm2Layout());
        string text = "<|im_start|>user\n<|global_image|><|image|><|image|><row_1_col_2><|image|>Q?<|im_end|>\n";

        int[] ids = tok.Tokenizer.Encode(text);

        Assert.Equal(1, ids[0]);
        int markers = Array.IndexOf(ids, 49153);
        Assert.Equal([49153, 49152, 49152, 49155, 49152], ids[markers..(markers + 5)]);
        Assert.Equal(2, ids[^2]);
        Assert.Equal(4, ids.Count(id => id == tok.ImageTokenId) + ids.Count(id => id == tok.GlobalImageTokenId));
        Assert.Equal(text, tok.Tokenizer.Decode(ids));
        Assert.Equal("user\nQ?\n", tok.Tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void TokensAlreadyPresentKeepTheirIdsAndAddingTwiceChangesNothing()
    {
        HfTokenizer withImage = SyntheticTokenizerJson.SmolLm2Layout().WithSpecialTokens(["<|global_image|>"]);
        Assert.Equal(49152, withImage.TokenToId("<|global_image|>"));

        NanoVlmTokenizer tok = NanoVlmTokenizer.Create(withImage);
        Assert.Equal(49152, tok.GlobalImageTokenId);
        Assert.Equal(49153, tok.ImageTokenId);
        Assert.Equal(49154, tok.TileTokenId(1, 1));

        NanoVlmTokenizer again = NanoVlmTokenizer.Create(tok.Tokenizer);
        Assert.Equal(tok.Tokenizer.IdLimit, again.Tokenizer.IdLimit);
        Assert.Equal(tok.TileTokenId(8, 8), again.TileTokenId(8, 8));
    }

    [Fact]
    public void AddedIdsContinueAfterAddedTokensBeyondTheVocabulary()
    {
        // Qwen2.5's specials sit after its 151643 vocabulary entries, so new ids start after the last of them.
        NanoVlmTokenizer tok = NanoVlmTokenizer.Create(TokenizerFixtures.Tokenizer(TokenizerFixtures.Qwen25));
        Assert.Equal(151665, tok.ImageTokenId);
        Assert.Equal(151666, tok.GlobalImageTokenId);
        Assert.Equal(151667, tok.TileTokenId(1, 1));
        Assert.Equal(151645, tok.EosTokenId);
    }

    [Fact]
    public void MissingEosTokenIsReported()
    {
        HfTokenizer gpt2 = TokenizerFixtures.Tokenizer(TokenizerFixtures.Gpt2);
        ArgumentException e = Assert.Throws<ArgumentException>(() => NanoVlmTokenizer.Create(gpt2));
        Assert.Contains("<|im_end|>", e.Message, StringComparison.Ordinal);
        Assert.Equal(50256, NanoVlmTokenizer.Create(gpt2, "<|endoftext|>").PadTokenId);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 9)]
    public void TileTokenRejectsPositionsOutsideTheGrid(int row, int col) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NanoVlmTokenizer.TileToken(row, col));
}
