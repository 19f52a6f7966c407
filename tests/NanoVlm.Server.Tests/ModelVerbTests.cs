using NanoVlm.Server.Cli;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Server.Tests;

public sealed class ModelVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nanovlm-verbs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task AskStreamsAnAnswerFromAPreset()
    {
        var image = Path.Combine(_folder, "page.png");
        using (var page = new Image<Rgb24>(120, 90, new Rgb24(255, 255, 255)))
        {
            await page.SaveAsync(image, new PngEncoder());
        }
        var (code, _, error) = await Run("ask", "--model", "tiny", "--image", image, "--question", "What is the total?", "--max-new-tokens", "4");
        Assert.Equal(0, code);
        Assert.Contains("random weights", error, StringComparison.Ordinal);
        Assert.Matches(@"\d+ tokens, \d+ image tokens, first token \d+ ms", error);
    }

    [Fact]
    public async Task AskReportsABrokenImageWithoutAStackTrace()
    {
        var image = Path.Combine(_folder, "broken.png");
        await File.WriteAllBytesAsync(image, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]);
        var (code, _, error) = await Run("ask", "--model", "tiny", "--image", image, "--question", "Total?");
        Assert.Equal(CommandLine.Failure, code);
        Assert.Contains("error: The file is incomplete", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskRefusesGreedyWithSamplingOptions()
    {
        var (code, _, error) = await Run("ask", "--model", "tiny", "--image", "x.png", "--question", "q", "--greedy", "--temperature", "0.5");
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("--greedy cannot be combined", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenizeEncodesAndDecodesWithTheBuiltInTokenizer()
    {
        var (code, output, _) = await Run("tokenize", "--tokenizer", "builtin:gpt2", "--text", "Hello world");
        Assert.Equal(0, code);
        Assert.Equal("[15496,995]", output.Trim());
        (code, output, _) = await Run("tokenize", "--tokenizer", "builtin:gpt2", "--decode", "[15496,995]");
        Assert.Equal(0, code);
        Assert.Equal("Hello world", output.Trim());
        Assert.Equal(CommandLine.UsageError, (await Run("tokenize", "--tokenizer", "builtin:gpt2")).Code);
    }

    [Fact]
    public async Task LogitsNeedsItsRequiredOptions()
    {
        var (code, _, error) = await Run("logits", "--model", _folder);
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("--input", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MakeSyntheticThenInspectWithPreflightThenEval()
    {
        var data = Path.Combine(_folder, "synthetic");
        var (code, output, _) = await Run("dataset", "make-synthetic", "--out", data, "--count", "3", "--seed", "5", "--split", "val");
        Assert.Equal(0, code);
        Assert.Contains("wrote 3 documents", output, StringComparison.Ordinal);

        (code, output, _) = await Run("dataset", "inspect", "--path", data, "--model", "tiny", "--max-length", "64");
        Assert.Equal(0, code);
        using (var report = System.Text.Json.JsonDocument.Parse(output))
        {
            Assert.Equal("docvqa", report.RootElement.GetProperty("format").GetString());
            var lengths = report.RootElement.GetProperty("lengths");
            // The tiny preset needs 85 image tokens for these pages: a max_length of 64 cannot hold them.
            Assert.Contains("needs 85 image tokens, max_length is 64", lengths.GetProperty("image_tokens_error").GetString(), StringComparison.Ordinal);
        }

        var results = Path.Combine(_folder, "eval.json");
        (code, output, _) = await Run("eval", "--model", "tiny", "--data", data, "--limit", "2", "--max-new-tokens", "2", "--out", results);
        Assert.Equal(0, code);
        using var summary = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(2, summary.RootElement.GetProperty("questions").GetInt32());
        Assert.True(File.Exists(results));
    }

    [Fact]
    public async Task DatasetWithoutSubcommandAndUnknownFormatsAreExplained()
    {
        var (code, _, error) = await Run("dataset");
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("dataset inspect", error, StringComparison.Ordinal);
        (code, _, error) = await Run("dataset", "inspect", "--path", _folder);
        Assert.Equal(CommandLine.Failure, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportReportsMissingBackboneFolders()
    {
        var (code, _, error) = await Run("import", "--vision", Path.Combine(_folder, "nope"), "--language", _folder, "--out", Path.Combine(_folder, "out"));
        Assert.Equal(CommandLine.Failure, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
