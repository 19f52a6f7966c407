using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

public sealed class BuiltInTokenizersTests
{
    [Fact]
    public void Gpt2IsTheReleasedTokenizer()
    {
        HfTokenizer gpt2 = BuiltInTokenizers.Gpt2();
        Assert.Equal(50257, gpt2.VocabularySize);
        Assert.Equal([15496, 995], gpt2.Encode("Hello world"));
        foreach (ParityCase c in TokenizerFixtures.Cases(TokenizerFixtures.Gpt2).Take(50))
        {
            Assert.Equal(c.Ids, gpt2.Encode(c.Text));
        }
    }

    [Fact]
    public void ChatMlAndNanoVlmIdsAreTheDocumentedOnes()
    {
        HfTokenizer chatMl = BuiltInTokenizers.Gpt2ChatMl();
        Assert.Equal(50256, chatMl.TokenToId("<|endoftext|>"));
        Assert.Equal(50257, chatMl.TokenToId("<|im_start|>"));
        Assert.Equal(50258, chatMl.TokenToId("<|im_end|>"));

        NanoVlmTokenizer nano = BuiltInTokenizers.NanoVlmGpt2();
        Assert.Equal(50259, nano.ImageTokenId);
        Assert.Equal(50260, nano.GlobalImageTokenId);
        Assert.Equal(50261, nano.TileTokenId(1, 1));
        Assert.Equal(50261 + 2 * 8 + 4, nano.TileTokenId(3, 5));
        Assert.Equal(50324, nano.TileTokenId(8, 8));
        Assert.Equal(50258, nano.EosTokenId);
        Assert.Equal(50258, nano.PadTokenId);
        Assert.Equal(50325, nano.Tokenizer.IdLimit);
        Assert.Equal(50325, nano.Tokenizer.VocabularySize);
    }

    [Fact]
    public void NanoVlmGpt2EncodesAChatPromptWithSpecialTokensWhole()
    {
        HfTokenizer tok = BuiltInTokenizers.NanoVlmGpt2().Tokenizer;
        string prompt = ChatMlTemplate.Format([new("user", "<|image|>Hi")], addGenerationPrompt: true);
        int[] ids = tok.Encode(prompt);
        Assert.Equal(50257, ids[0]);
        Assert.Contains(50259, ids);
        Assert.Equal(prompt, tok.Decode(ids));
        Assert.Equal("user\nHi\nassistant\n", tok.Decode(ids, skipSpecialTokens: true));
    }
}
