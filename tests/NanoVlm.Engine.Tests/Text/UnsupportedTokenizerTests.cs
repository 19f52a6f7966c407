using System.Text.Json.Nodes;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

public sealed class UnsupportedTokenizerTests
{
    private static UnsupportedTokenizerException LoadFails(Action<JsonObject> edit)
    {
        JsonObject json = SyntheticTokenizerJson.ByteLevelBpe();
        edit(json);
        return Assert.Throws<UnsupportedTokenizerException>(() => HfTokenizer.FromJson(json.ToJsonString()));
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void OtherModelTypesAreRejectedByName(string type)
    {
        UnsupportedTokenizerException e = LoadFails(j => j["model"]!["type"] = type);
        Assert.Contains($"'{type}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("only 'BPE'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonByteLevelPipelinesAreRejected()
    {
        UnsupportedTokenizerException metaspace = LoadFails(j => j["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁" });
        Assert.Contains("'Metaspace'", metaspace.Message, StringComparison.Ordinal);
        Assert.Contains(PreTokenizer.SupportedTypes, metaspace.Message, StringComparison.Ordinal);

        UnsupportedTokenizerException noByteLevel = LoadFails(j => j["pre_tokenizer"] = new JsonObject { ["type"] = "Digits", ["individual_digits"] = true });
        Assert.Contains("no ByteLevel", noByteLevel.Message, StringComparison.Ordinal);

        UnsupportedTokenizerException decoder = LoadFails(j => j["decoder"] = new JsonObject { ["type"] = "Metaspace" });
        Assert.Contains("Decoder type 'Metaspace'", decoder.Message, StringComparison.Ordinal);

        UnsupportedTokenizerException normalizer = LoadFails(j => j["normalizer"] = new JsonObject { ["type"] = "BertNormalizer" });
        Assert.Contains("'BertNormalizer'", normalizer.Message, StringComparison.Ordinal);
        Assert.Contains(TextNormalizer.SupportedTypes, normalizer.Message, StringComparison.Ordinal);

        UnsupportedTokenizerException post = LoadFails(j => j["post_processor"] = new JsonObject { ["type"] = "BertProcessing" });
        Assert.Contains("'BertProcessing'", post.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedModelsAreRejected()
    {
        Assert.Contains("dropout", LoadFails(j => j["model"]!["dropout"] = 0.1).Message, StringComparison.Ordinal);
        Assert.Contains("two tokens", LoadFails(j => j["model"]!["merges"] = new JsonArray("x y z")).Message, StringComparison.Ordinal);
        Assert.Contains("not in the vocabulary", LoadFails(j => j["model"]!["merges"] = new JsonArray("<filler_0> <filler_1>")).Message, StringComparison.Ordinal);
        Assert.Contains("version '2.0'", LoadFails(j => j["version"] = "2.0").Message, StringComparison.Ordinal);
        Assert.Contains("Oniguruma", LoadFails(j => j["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "\\p{L}++" }, ["behavior"] = "Isolated", ["invert"] = false },
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
        }).Message, StringComparison.Ordinal);
    }
}
