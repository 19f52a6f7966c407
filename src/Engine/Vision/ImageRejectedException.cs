namespace NanoVlm.Engine.Vision;

/// <summary>Why an image was refused; each maps to a message a user can act on.</summary>
public enum ImageRejectionReason
{
    Empty,
    TooLarge,
    NotAnImage,
    UnsupportedFormat,
    TooManyPixels,
    Truncated,
    Corrupt,
}

/// <summary>An image that cannot be used, with the reason and a message that says what to do.</summary>
public sealed class ImageRejectedException(ImageRejectionReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ImageRejectionReason Reason { get; } = reason;
}
