namespace NanoVlm.Engine.Data.Collation;

/// <summary>Why a sample was left out of training.</summary>
public enum DropReason
{
    /// <summary>No turn has an answer to train on.</summary>
    NoAnsweredTurn,

    /// <summary>The image tokens alone exceed max_length (a configuration error; see <see cref="MaxLengthTooSmallException"/>).</summary>
    ImageTokensExceedMaxLength,

    /// <summary>Even with trailing turns dropped and the question cut to its minimum, the image and answer do not fit.</summary>
    DoesNotFit,

    /// <summary>The image could not be loaded, or its size differs from the one declared.</summary>
    ImageUnusable,
}

/// <summary>A sample left out, with a readable explanation.</summary>
public sealed record SampleDrop(string SampleId, DropReason Reason, string Message);

/// <summary>
/// One sample as token ids, ready to pad: the ChatML conversation with the image string in the first user turn,
/// and labels already shifted (label t = id t+1 where t+1 is an answer token, <c>&lt;|im_end|&gt;</c> or the newline
/// after it, else −100; the last label is −100).
/// </summary>
/// <param name="Grids">Tile grid per image, in order; the pixels must be cut into exactly these.</param>
/// <param name="ImageTokens">Tokens the image string takes (markers and placeholders).</param>
/// <param name="UntruncatedLength">Length before any turn was dropped or question cut.</param>
public sealed record EncodedSample(
    string Id,
    long[] InputIds,
    long[] Labels,
    IReadOnlyList<VqaImage> Images,
    IReadOnlyList<(int Rows, int Columns)> Grids,
    int ImageTokens,
    int TurnsKept,
    int TurnsDropped,
    int QuestionTokensCut,
    int UntruncatedLength)
{
    public int Length => InputIds.Length;

    public bool Truncated => TurnsDropped > 0 || QuestionTokensCut > 0;

    public int LabelledTokens => Labels.Count(l => l != IgnoreIndex);

    /// <summary>The label value excluded from the loss (PyTorch's ignore_index).</summary>
    public const long IgnoreIndex = -100;
}

/// <summary>The outcome of encoding one sample: the sample, or why it was dropped; lengths either way.</summary>
public sealed record SampleEncoding(EncodedSample? Sample, SampleDrop? Drop, int UntruncatedLength, int ImageTokens)
{
    public bool Kept => Sample is not null;
}
