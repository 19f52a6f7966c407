using NanoVlm.Engine.Data.Collation;

namespace NanoVlm.Engine.Data.Preflight;

/// <summary>Samples whose full length (text + image tokens) is in [<see cref="From"/>, <see cref="To"/>).</summary>
public sealed record LengthHistogramBin(int From, int To, int Count);

/// <summary>
/// Token lengths of a sample of the data against a max_length: what fits untouched, what the collator would keep
/// after truncation, the smallest max_length that fits 95 % and all of it, and whether some images alone are too long.
/// Lengths are full sequence lengths (chat template, image markers and placeholders, questions and answers), before
/// any truncation.
/// </summary>
/// <param name="SamplesInspected">Samples read (including those without an answer).</param>
/// <param name="SamplesMeasured">Samples with at least one answered turn: the lengths below are theirs.</param>
/// <param name="ShareThatFits">Share of measured samples whose full length is at most <see cref="MaxLength"/>.</param>
/// <param name="ShareKept">Share of measured samples the collator keeps (possibly truncated) at <see cref="MaxLength"/>.</param>
/// <param name="MaxLengthFor95Percent">Smallest max_length at which 95 % of the measured samples fit untouched.</param>
/// <param name="MaxLengthForAll">Smallest max_length at which every measured sample fits untouched.</param>
/// <param name="MaxImageTokens">The most image tokens (markers + placeholders) any sample needs.</param>
/// <param name="SamplesWhoseImagesExceed">Samples whose image tokens alone exceed max_length.</param>
/// <param name="ImageTokensError">The configuration error for those ("needs N image tokens, max_length is M ..."), or null.</param>
/// <param name="WouldDrop">Samples the collator would drop at this max_length, by reason.</param>
/// <param name="SortedLengths">The measured lengths, ascending, to re-evaluate other max_length values.</param>
public sealed record LengthPreflightReport(
    int SamplesInspected,
    int SamplesMeasured,
    int MaxLength,
    int ShortestLength,
    int MedianLength,
    double MeanLength,
    int LongestLength,
    double ShareThatFits,
    double ShareKept,
    int MaxLengthFor95Percent,
    int MaxLengthForAll,
    int MaxImageTokens,
    int SamplesWhoseImagesExceed,
    string? ImageTokensError,
    IReadOnlyDictionary<DropReason, int> WouldDrop,
    IReadOnlyList<LengthHistogramBin> Histogram,
    IReadOnlyList<int> SortedLengths)
{
    /// <summary>Share of the measured samples that fit <paramref name="maxLength"/> untouched.</summary>
    public double ShareFitting(int maxLength)
    {
        if (SortedLengths.Count == 0) return 0;
        var fitting = UpperBound(SortedLengths, maxLength);
        return (double)fitting / SortedLengths.Count;
    }

    /// <summary>Throws the configuration error when some images alone need more than max_length.</summary>
    public void ThrowIfImagesCannotFit()
    {
        if (SamplesWhoseImagesExceed > 0)
        {
            throw new MaxLengthTooSmallException(MaxImageTokens, MaxLength,
                $"{SamplesWhoseImagesExceed} of {SamplesMeasured} samples inspected have images that alone exceed max_length; raise max_length or lower max_img_size.");
        }
    }

    /// <summary>Number of items ≤ <paramref name="value"/> in an ascending list.</summary>
    private static int UpperBound(IReadOnlyList<int> sorted, int value)
    {
        int low = 0, high = sorted.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (sorted[middle] <= value) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
