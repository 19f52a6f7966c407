using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Inference;

public sealed class VqaAnswererTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nanovlm-inference-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void PresetLoadsWithTheBuiltInTokenizerAndAWarning()
    {
        using var model = VlmLoader.Load("tiny");
        Assert.Equal(BuiltInTokenizers.NanoVlmGpt2().ImageTokenId, model.Config.ImageTokenId);
        Assert.Contains("random weights", Assert.Single(model.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void StreamedPiecesAddUpToTheAnswerAndStopAtEos()
    {
        using var model = VlmLoader.Load("tiny");
        var answerer = new VqaAnswerer(model, new SafeImageDecoder(ImageLimits.Default));
        var pieces = new List<string>();
        var result = answerer.Ask(Png(100, 80), "What is the total?", new AskOptions { MaxNewTokens = 10 }, pieces.Add);
        Assert.Equal(result.Answer, string.Concat(pieces).Trim());
        Assert.InRange(result.Tokens, 0, 10);
        Assert.False(result.Stopped);
        // 100×80 with the tiny preset: long side rounds up to 128 px, 2×2 tiles of 64 px + the global view.
        Assert.Equal(5 * model.Config.MpImageTokenLength, result.ImageTokens);
        Assert.True(result.MsToFirstToken <= result.MsTotal);
    }

    [Fact]
    public void SamplingIsReproducibleForASeed()
    {
        using var model = VlmLoader.Load("tiny");
        var answerer = new VqaAnswerer(model, new SafeImageDecoder(ImageLimits.Default));
        var options = new AskOptions { MaxNewTokens = 8, Greedy = false, Temperature = 1.0, Seed = 7 };
        var first = answerer.Ask(Png(64, 64), "Who signed?", options);
        var second = answerer.Ask(Png(64, 64), "Who signed?", options);
        Assert.Equal(first.Answer, second.Answer);
    }

    [Fact]
    public void CancellingStopsGenerationAndKeepsThePartialAnswer()
    {
        using var model = VlmLoader.Load("tiny");
        var answerer = new VqaAnswerer(model, new SafeImageDecoder(ImageLimits.Default));
        using var cancel = new CancellationTokenSource();
        var steps = 0;
        var result = answerer.Ask(Png(64, 64), "Date?", new AskOptions { MaxNewTokens = 200 }, _ =>
        {
            if (++steps == 3) cancel.Cancel();
        }, cancel.Token);
        Assert.True(result.Stopped);
        Assert.True(result.Tokens < 200);
    }

    [Fact]
    public void CheckpointFolderLoadsAndAMismatchedTokenizerIsRefused()
    {
        using (var model = VlmLoader.Load("tiny"))
        {
            NanoVlmCheckpoint.Save(model.Model, _folder);
        }
        using (var reloaded = VlmLoader.Load(_folder))
        {
            Assert.StartsWith("checkpoint ", reloaded.Source, StringComparison.Ordinal);
        }
        // A SmolLM2-sized preset saved without a tokenizer cannot be given the built-in one silently.
        var config = Engine.Model.ModelPresets.Tiny();
        using var smol = new Engine.Model.VisionLanguageModel(config);
        var other = Path.Combine(_folder, "smol");
        NanoVlmCheckpoint.Save(smol, other);
        var error = Assert.Throws<InvalidOperationException>(() => VlmLoader.Load(other));
        Assert.Contains("tokenizer.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadDecodingSettingsAreReportedTogether()
    {
        var problems = new AskOptions { MaxNewTokens = 0, Greedy = false, Temperature = 0, TopP = 2 }.Validate();
        Assert.Equal(3, problems.Count);
    }

    private static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(250, 250, 250));
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }
}
