using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

public sealed class TokenizeCommandTests
{
    private static string Gpt2File => Path.Combine(TokenizerFixtures.Folder, "gpt2.tokenizer.json.gz");

    [Fact]
    public void EncodesToAJsonArrayAndDecodesItBack()
    {
        Assert.Equal("[15496,995,50256]", TokenizeCommand.EncodeToJson(Gpt2File, "Hello world<|endoftext|>"));
        Assert.Equal("Hello world<|endoftext|>", TokenizeCommand.DecodeFromJson(Gpt2File, "[15496,995,50256]"));
        Assert.Equal("Hello world", TokenizeCommand.DecodeFromJson(Gpt2File, "[15496,995,50256]", skipSpecialTokens: true));
    }

    [Fact]
    public void AcceptsAPlainFileAFolderAndTheBuiltInName()
    {
        string folder = Directory.CreateTempSubdirectory("nanovlm-tok-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TokenizerFixtures.TokenizerJson(TokenizerFixtures.Gpt2));
            Assert.Equal([15496, 995], TokenizeCommand.Encode(Path.Combine(folder, "tokenizer.json"), "Hello world"));
            Assert.Equal([15496, 995], TokenizeCommand.Encode(folder, "Hello world"));
            Assert.Equal([50257, 15496, 50258], TokenizeCommand.Encode(BuiltInTokenizers.Gpt2Name, "<|im_start|>Hello<|im_end|>"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ReportsBadInputClearly()
    {
        Assert.Throws<FileNotFoundException>(() => TokenizeCommand.Encode("/nonexistent/tokenizer.json", "x"));
        FormatException e = Assert.Throws<FormatException>(() => TokenizeCommand.DecodeFromJson(Gpt2File, "1, 2"));
        Assert.Contains("JSON array", e.Message, StringComparison.Ordinal);
    }
}
