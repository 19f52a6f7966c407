using NanoVlm.Engine.Data.Collation;

namespace NanoVlm.Engine.Data.Preflight;

/// <summary>
/// The token-length preflight behind <c>dataset inspect --model --max-length</c> and the dashboard's run form: encodes
/// a sample of the data exactly as the collator will (no pixels are loaded: image sizes fix the token counts) and
/// reports how the lengths compare with max_length.
/// </summary>
public static class LengthPreflight
{
    public const int DefaultSampleLimit = 1000;
    public const int DefaultBinCount = 20;

    /// <summary>
    /// Measures the first <paramref name="sampleLimit"/> samples (pass a shuffled or strided sequence for a
    /// representative sample of a large data set).
    /// </summary>
    public static LengthPreflightReport Run(IEnumerable<VqaSample> samples, SampleEncoder encoder, int sampleLimit = DefaultSampleLimit, int binCount = DefaultBinCount)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);

        var maxLength = encoder.MaxLength;
        var lengths = new List<int>();
        var wouldDrop = new Dictionary<DropReason, int>();
        var inspected = 0;
        var kept = 0;
        var maxImageTokens = 0;
        var imagesExceed = 0;
        foreach (var sample in samples.Take(sampleLimit))
        {
            inspected++;
            var encoding = encoder.Encode(sample);
            if (encoding.Drop is { Reason: DropReason.NoAnsweredTurn })
            {
                wouldDrop[DropReason.NoAnsweredTurn] = wouldDrop.GetValueOrDefault(DropReason.NoAnsweredTurn) + 1;
                continue;
            }
            lengths.Add(encoding.UntruncatedLength);
            maxImageTokens = Math.Max(maxImageTokens, encoding.ImageTokens);
            if (encoding.ImageTokens > maxLength) imagesExceed++;
            if (encoding.Kept) kept++;
            else wouldDrop[encoding.Drop!.Reason] = wouldDrop.GetValueOrDefault(encoding.Drop.Reason) + 1;
        }

        lengths.Sort();
        var measured = lengths.Count;
        string? imageError = imagesExceed > 0
            ? new MaxLengthTooSmallException(maxImageTokens, maxLength,
                $"{imagesExceed} of {measured} samples inspected have images that alone exceed max_length; raise max_length or lower max_img_size.").Message
            : null;
        return new LengthPreflightReport(
            SamplesInspected: inspected,
            SamplesMeasured: measured,
            MaxLength: maxLength,
            ShortestLength: measured > 0 ? lengths[0] : 0,
            MedianLength: measured > 0 ? lengths[(measured - 1) / 2] : 0,
            MeanLength: measured > 0 ? lengths.Average() : 0,
            LongestLength: measured > 0 ? lengths[^1] : 0,
            ShareThatFits: measured > 0 ? (double)lengths.Count(l => l <= maxLength) / measured : 0,
            ShareKept: measured > 0 ? (double)kept / measured : 0,
            MaxLengthFor95Percent: SmallestMaxLengthCovering(lengths, 0.95),
            MaxLengthForAll: measured > 0 ? lengths[^1] : 0,
            MaxImageTokens: maxImageTokens,
            SamplesWhoseImagesExceed: imagesExceed,
            ImageTokensError: imageError,
            WouldDrop: wouldDrop,
            Histogram: Histogram(lengths, binCount),
            SortedLengths: lengths.ToArray());
    }

    /// <summary>The smallest L such that at least <paramref name="share"/> of the (ascending) lengths are ≤ L.</summary>
    public static int SmallestMaxLengthCovering(IReadOnlyList<int> sortedLengths, double share)
    {
        ArgumentNullException.ThrowIfNull(sortedLengths);
        if (sortedLengths.Count == 0) return 0;
        var needed = (int)Math.Ceiling(share * sortedLengths.Count - 1e-9);
        return sortedLengths[Math.Clamp(needed, 1, sortedLengths.Count) - 1];
    }

    /// <summary>Equal-width bins from the shortest to the longest length (at most <paramref name="binCount"/> bins).</summary>
    public static IReadOnlyList<LengthHistogramBin> Histogram(IReadOnlyList<int> sortedLengths, int binCount)
    {
        ArgumentNullException.ThrowIfNull(sortedLengths);
        if (sortedLengths.Count == 0) return [];
        var low = sortedLengths[0];
        var high = sortedLengths[^1];
        var width = Math.Max(1, (high - low + binCount) / binCount); // ceil((high − low + 1) / binCount)
        var bins = (high - low) / width + 1;
        var counts = new int[bins];
        foreach (var length in sortedLengths)
        {
            counts[(length - low) / width]++;
        }
        return counts.Select((count, i) => new LengthHistogramBin(low + i * width, low + (i + 1) * width, count)).ToArray();
    }
}
