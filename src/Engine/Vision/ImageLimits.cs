namespace NanoVlm.Engine.Vision;

/// <summary>
/// Bounds on an untrusted image. Bytes and pixel count are checked before any pixel is decoded;
/// the allocation limit caps what the decoder itself may allocate.
/// </summary>
public sealed record ImageLimits(long MaxBytes, long MaxPixels, int AllocationLimitMegabytes)
{
    /// <summary>20 MB, 40 megapixels (a 600-dpi A4 page is 35), 512 MB of decoder buffers.</summary>
    public static ImageLimits Default { get; } = new(20L * 1024 * 1024, 40_000_000, 512);
}
