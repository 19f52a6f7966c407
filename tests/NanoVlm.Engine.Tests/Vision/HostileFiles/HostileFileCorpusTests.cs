using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

public sealed class HostileFileCorpusTests
{
    private readonly SafeImageDecoder _decoder = new(HostileFileCorpus.Limits);

    [Fact]
    public void CorpusHoldsAtLeastThirtyDistinctFilesOfBothOutcomes()
    {
        var files = HostileFileCorpus.All;
        Assert.True(files.Count >= 30, $"only {files.Count} files");
        Assert.Equal(files.Count, files.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Contains(files, f => f.Expected is Accepted);
        Assert.Contains(files, f => f.Expected is Rejected);
    }

    [Theory]
    [MemberData(nameof(HostileFileCorpus.Names), MemberType = typeof(HostileFileCorpus))]
    public void EachFileGetsItsExpectedOutcome(string name)
    {
        var file = HostileFileCorpus.Get(name);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        switch (file.Expected)
        {
            case Accepted accepted:
                Assert.Equal(accepted.MimeType, _decoder.DetectMimeType(file.Bytes));
                using (var image = _decoder.Decode(file.Bytes))
                {
                    Assert.Equal((accepted.Width, accepted.Height), (image.Width, image.Height));
                    foreach (var pixel in accepted.Pixels)
                    {
                        var actual = image[pixel.X, pixel.Y];
                        Assert.True(Math.Abs(actual.R - pixel.R) <= pixel.Tolerance && Math.Abs(actual.G - pixel.G) <= pixel.Tolerance
                            && Math.Abs(actual.B - pixel.B) <= pixel.Tolerance,
                            $"pixel ({pixel.X},{pixel.Y}) is {actual}, expected ({pixel.R},{pixel.G},{pixel.B}) ± {pixel.Tolerance}");
                    }
                }
                break;
            case Rejected rejected:
                var error = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(file.Bytes).Dispose());
                Assert.True(rejected.Reason == error.Reason, $"{error.Reason} instead of {rejected.Reason}: {error.Message}");
                Assert.True(error.Message.Contains(rejected.MessageFragment, StringComparison.Ordinal),
                    $"'{rejected.MessageFragment}' is not in the message: {error.Message}");
                break;
            default:
                throw new InvalidOperationException($"Unknown outcome {file.Expected}.");
        }
        // Pixel buffers come from the decoder's limited pool; what the decoder allocates besides (metadata, text)
        // must stay in proportion to the upload limit. Before the metadata-bomb check a 260 KB PNG allocated 7 GB here.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.True(allocated < 16 * HostileFileCorpus.Limits.MaxBytes, $"{allocated / 1e6:0.0} MB of managed memory allocated while decoding");
    }
}
