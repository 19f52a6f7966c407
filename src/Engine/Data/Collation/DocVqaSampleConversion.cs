using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;

namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// Turns a sample read from a DocVQA source into what the collator consumes. The image's size is read from its
/// header (no pixels decoded) so lengths can be measured; pixels are decoded, under the decoder's limits, only when
/// a batch is built.
/// </summary>
public static class DocVqaSampleConversion
{
    /// <exception cref="ImageRejectedException">an image is unusable (truncated, too large, not an image)</exception>
    /// <exception cref="ImageUnavailableException">an image cannot be read from its source</exception>
    public static VqaSample ToVqaSample(DocVqaSample sample, SafeImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(decoder);
        var images = sample.Images.Select(source =>
        {
            var bytes = source.ReadBytes();
            decoder.Inspect(bytes);
            var info = Image.Identify(bytes);
            return new VqaImage(info.Width, info.Height, () => decoder.Decode(bytes));
        }).ToList();
        var turns = sample.Turns.Select(turn => new VqaTurn(turn.Question, turn.Answers)).ToList();
        return new VqaSample(sample.Id, images, turns);
    }
}
