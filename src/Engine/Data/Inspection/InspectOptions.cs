using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Data;

/// <summary>Options of <c>dataset inspect</c>.</summary>
public sealed record InspectOptions
{
    /// <summary>
    /// Read every image and check it without decoding pixels (<see cref="SafeImageDecoder.Inspect"/>:
    /// format, size, pixel count, truncation). Off by default: reading only checks that images exist.
    /// </summary>
    public bool VerifyImages { get; init; }

    /// <summary>Limits for <see cref="VerifyImages"/>; the decoder's defaults when null.</summary>
    public ImageLimits? ImageLimits { get; init; }

    /// <summary>How many problems the result lists (all are counted).</summary>
    public int MaxProblems { get; init; } = 20;

    /// <summary>Extra passes over the usable samples (the token-length preflight).</summary>
    public IReadOnlyList<IInspectionObserver> Observers { get; init; } = [];
}
