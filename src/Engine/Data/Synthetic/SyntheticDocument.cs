using NanoVlm.Engine.Data.Collation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// One generated document: its page (drawing instructions, not yet pixels) and the questions asked about it, whose
/// answers are the very values drawn on the page.
/// </summary>
/// <param name="Index">Position in its split's stream; the document is a pure function of (seed, split, index).</param>
public sealed record SyntheticDocument(
    string Id,
    long Index,
    SyntheticSplit Split,
    SyntheticDifficulty Difficulty,
    DocumentKind Kind,
    DocumentPage Page,
    IReadOnlyList<SyntheticQuestion> Questions)
{
    /// <summary>The page as RGB pixels, straight from the renderer (no PNG round trip). The caller disposes it.</summary>
    public Image<Rgb24> Render() => PageRenderer.Render(Page);

    /// <summary>The page as PNG bytes (deterministic).</summary>
    public byte[] EncodePng() => PageRenderer.EncodePng(Page);

    /// <summary>The document as a multi-turn training sample; its image renders lazily, when a batch is built.</summary>
    public VqaSample ToVqaSample() => new(
        Id,
        [new VqaImage(Page.Width, Page.Height, Render)],
        Questions.Select(q => new VqaTurn(q.Question, q.Answers)).ToArray());
}
