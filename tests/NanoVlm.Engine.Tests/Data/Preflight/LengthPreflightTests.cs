using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Preflight;
using NanoVlm.Engine.Vision;
using static NanoVlm.Engine.Tests.Data.Collation.CollationFixtures;

namespace NanoVlm.Engine.Tests.Data.Preflight;

public sealed class LengthPreflightTests
{
    /// <summary>Twenty samples whose questions are 1..20 tokens, so their lengths are base + 1 .. base + 20.</summary>
    private static (List<VqaSample> Samples, int Base) Constructed()
    {
        var samples = Enumerable.Range(1, 20).Select(k => Page($"s{k}", (Words(k), "yes"))).ToList();
        var baseLength = Encoder(4096).Encode(samples[0]).Sample!.Length - 1;
        return (samples, baseLength);
    }

    [Fact]
    public void ReportsTheShareThatFitsAndTheSmallestMaxLengths()
    {
        var (samples, baseLength) = Constructed();
        var report = LengthPreflight.Run(samples, Encoder(maxLength: baseLength + 10));

        Assert.Equal((20, 20), (report.SamplesInspected, report.SamplesMeasured));
        Assert.Equal(0.5, report.ShareThatFits);
        Assert.Equal(1.0, report.ShareKept); // the longer ones are kept with cut questions (10 ≥ the 4-token minimum)
        Assert.Equal(baseLength + 19, report.MaxLengthFor95Percent);
        Assert.Equal(baseLength + 20, report.MaxLengthForAll);
        Assert.Equal((baseLength + 1, baseLength + 10, baseLength + 20), (report.ShortestLength, report.MedianLength, report.LongestLength));
        Assert.Equal(baseLength + 10.5, report.MeanLength);
        Assert.Equal(25, report.MaxImageTokens);
        Assert.Null(report.ImageTokensError);
        Assert.Equal(20, report.Histogram.Sum(b => b.Count));
        Assert.Equal(0.25, report.ShareFitting(baseLength + 5));
        report.ThrowIfImagesCannotFit();
    }

    [Fact]
    public void CountsWhatTheCollatorWouldDrop()
    {
        var (samples, baseLength) = Constructed();
        samples.Add(VqaSample.WithImage("unanswered", Solid(64, 64, default), new VqaTurn("Q?", [])));
        // At base + 2 only the 1- and 2-token questions fit; a longer one would have to shrink below the 4-token minimum.
        var report = LengthPreflight.Run(samples, Encoder(maxLength: baseLength + 2));
        Assert.Equal((21, 20), (report.SamplesInspected, report.SamplesMeasured));
        Assert.Equal(18, report.WouldDrop[DropReason.DoesNotFit]);
        Assert.Equal(1, report.WouldDrop[DropReason.NoAnsweredTurn]);
        Assert.Equal(2 / 20.0, report.ShareKept);
        Assert.Equal(2 / 20.0, report.ShareThatFits);

        // With a 1-token minimum every question can be cut down far enough.
        var lenient = LengthPreflight.Run(samples, Encoder(maxLength: baseLength + 2, minQuestionTokens: 1));
        Assert.Equal(1.0, lenient.ShareKept);
        Assert.False(lenient.WouldDrop.ContainsKey(DropReason.DoesNotFit));
    }

    [Fact]
    public void ReportsImagesThatAloneExceedMaxLength()
    {
        var encoder = new SampleEncoder(Tokenizer, new ImageProcessorSettings(512, 2048, true), 64, new CollatorOptions(MaxLength: 1024));
        var samples = new[]
        {
            VqaSample.WithImage("page", Solid(1700, 2200, default), new VqaTurn("Q?", "A")),      // 4×4 + global: 1105
            VqaSample.WithImage("receipt", Solid(800, 2000, default), new VqaTurn("Q?", "A")),    // 4×1 + global: 325
        };
        var report = LengthPreflight.Run(samples, encoder);
        Assert.Equal(1105, report.MaxImageTokens);
        Assert.Equal(1, report.SamplesWhoseImagesExceed);
        Assert.Contains("needs 1105 image tokens, max_length is 1024", report.ImageTokensError, StringComparison.Ordinal);
        var error = Assert.Throws<MaxLengthTooSmallException>(report.ThrowIfImagesCannotFit);
        Assert.Equal((1105, 1024), (error.ImageTokens, error.MaxLength));
    }

    [Fact]
    public void OnlyTheFirstSampleLimitSamplesAreRead()
    {
        var (samples, _) = Constructed();
        var read = 0;
        var report = LengthPreflight.Run(samples.Select(s => { read++; return s; }), Encoder(4096), sampleLimit: 5);
        Assert.Equal((5, 5), (report.SamplesInspected, read));
    }

    [Theory]
    [InlineData(new[] { 10 }, 0.95, 10)]
    [InlineData(new[] { 1, 2, 3, 4 }, 0.95, 4)]
    [InlineData(new[] { 1, 2, 3, 4 }, 0.75, 3)]
    [InlineData(new[] { 1, 2, 3, 4 }, 0.5, 2)]
    public void SmallestMaxLengthCoveringIsTheCeilingQuantile(int[] lengths, double share, int expected) =>
        Assert.Equal(expected, LengthPreflight.SmallestMaxLengthCovering(lengths, share));

    [Fact]
    public void HistogramBinsAreEqualWidthAndCoverEveryLength()
    {
        var bins = LengthPreflight.Histogram([100, 101, 150, 199, 200], binCount: 4);
        Assert.Equal(new LengthHistogramBin(100, 126, 2), bins[0]);
        Assert.Equal(4, bins.Count);
        Assert.Equal(5, bins.Sum(b => b.Count));
        Assert.True(bins[^1].To > 200);
    }
}
