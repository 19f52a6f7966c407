using System.Text.Json.Nodes;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

/// <summary>Added-token rules the JavaScript references do not implement (single_word), checked by hand.</summary>
public sealed class AddedVocabularyTests
{
    private static HfTokenizer WithAddedToken(JsonObject token)
    {
        JsonObject json = SyntheticTokenizerJson.ByteLevelBpe();
        token["id"] = 300;
        json["added_tokens"]!.AsArray().Add(token);
        return HfTokenizer.FromJson(json.ToJsonString());
    }

    [Fact]
    public void SingleWordTokensAreOnlyMatchedBetweenNonWordCharacters()
    {
        HfTokenizer tok = WithAddedToken(new JsonObject
        {
            ["content"] = "cat",
            ["single_word"] = true,
            ["lstrip"] = false,
            ["rstrip"] = false,
            ["normalized"] = false,
            ["special"] = true,
        });
        Assert.Equal(300, tok.TokenToId("cat"));
        Assert.Equal([300], tok.Encode("cat"));
        Assert.Contains(300, tok.Encode("a cat."));
        Assert.DoesNotContain(300, tok.Encode("concat"));
        Assert.DoesNotContain(300, tok.Encode("cats"));
        Assert.DoesNotContain(300, tok.Encode("écat"));
    }

    [Fact]
    public void LeftAndRightStripSwallowWhitespace()
    {
        HfTokenizer tok = WithAddedToken(new JsonObject
        {
            ["content"] = "[M]",
            ["single_word"] = false,
            ["lstrip"] = true,
            ["rstrip"] = true,
            ["normalized"] = false,
            ["special"] = true,
        });
        Assert.Equal(tok.Encode("a[M]b"), tok.Encode("a \t [M]\n b"));
    }

    [Fact]
    public void LongestAddedTokenWinsAtTheSamePosition()
    {
        HfTokenizer tok = SyntheticTokenizerJson.SmolLm2Layout().WithSpecialTokens(["<|im", "<|im_start|>x"]);
        Assert.Equal([tok.TokenToId("<|im_start|>x")!.Value], tok.Encode("<|im_start|>x"));
        Assert.Equal(1, tok.Encode("<|im_start|>y")[0]);
    }
}
