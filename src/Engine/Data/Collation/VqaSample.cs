using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// An image whose size is known before its pixels are: the size fixes the tile grid and so the token count (what
/// truncation and the length preflight need), and the pixels are only produced when a batch is built.
/// </summary>
/// <param name="Load">Returns a new image each call; the caller disposes it.</param>
public sealed record VqaImage(int Width, int Height, Func<Image<Rgb24>> Load);

/// <summary>One question with its answers; <see cref="Answers"/>[0] is the training target, all are accepted in evaluation.</summary>
public sealed record VqaTurn(string Question, IReadOnlyList<string> Answers)
{
    public VqaTurn(string question, string answer) : this(question, [answer])
    {
    }

    /// <summary>The answer the model is trained to give (the first one), or null when the turn has none.</summary>
    public string? Target => Answers.Count > 0 ? Answers[0] : null;
}

/// <summary>
/// The minimal visual-QA sample the collator consumes: an id for diagnostics, the images (usually one page) and one
/// or more question/answer turns about them. Readers and the synthetic generator both produce it.
/// </summary>
public sealed record VqaSample(string Id, IReadOnlyList<VqaImage> Images, IReadOnlyList<VqaTurn> Turns)
{
    public static VqaSample WithImage(string id, VqaImage image, params VqaTurn[] turns) => new(id, [image], turns);
}
