using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// Decodes an untrusted upload into an upright RGB image: the format is decided by the bytes, the size
/// and pixel count are checked before decoding, decoding runs under an allocation limit, truncated files
/// are refused, EXIF orientation is applied, transparency is composited over white, and a GIF gives its
/// first frame. Every refusal is an <see cref="ImageRejectedException"/>.
/// </summary>
public sealed class SafeImageDecoder
{
    /// <summary>The formats users may upload, by MIME type.</summary>
    public static IReadOnlyCollection<string> AcceptedMimeTypes { get; } =
        ["image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif"];

    private readonly Configuration _configuration;

    public SafeImageDecoder(ImageLimits limits)
    {
        Limits = limits;
        _configuration = Configuration.Default.Clone();
        _configuration.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
        {
            AllocationLimitMegabytes = limits.AllocationLimitMegabytes,
        });
        // Only the first frame of an animation is used: don't decode (and allocate) the others.
        _configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
    }

    public ImageLimits Limits { get; }

    /// <summary>The MIME type the bytes are, or null when no known format matches.</summary>
    public string? DetectMimeType(ReadOnlySpan<byte> data) => Image.DetectFormat(_configuration, data)?.DefaultMimeType;

    public Image<Rgb24> Decode(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var format = Inspect(data);
        try
        {
            using var decoded = Image.Load<Rgba32>(_configuration, data);
            decoded.Mutate(image => image.AutoOrient().BackgroundColor(Color.White));
            return decoded.CloneAs<Rgb24>(_configuration);
        }
        catch (InvalidMemoryOperationException e)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooManyPixels,
                $"Decoding this {format.Name} image needs more than the {Limits.AllocationLimitMegabytes} MB allowed. Use a smaller image.", e);
        }
        catch (Exception e) when (e is InvalidImageContentException or ImageFormatException or NotSupportedException)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt,
                $"The {format.Name} file is damaged and cannot be decoded ({e.Message}). Re-export or re-scan it.", e);
        }
    }

    /// <summary>Everything that can be checked without decoding pixels; returns the format.</summary>
    public IImageFormat Inspect(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0)
        {
            throw new ImageRejectedException(ImageRejectionReason.Empty, "The file is empty.");
        }
        if (data.Length > Limits.MaxBytes)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooLarge,
                $"The file is {Megabytes(data.Length)} MB; the limit is {Megabytes(Limits.MaxBytes)} MB.");
        }
        var format = Image.DetectFormat(_configuration, data)
            ?? throw new ImageRejectedException(ImageRejectionReason.NotAnImage,
                "The file is not an image this server can read (its first bytes match no image format). Use PNG, JPEG, WebP, BMP or GIF.");
        if (!AcceptedMimeTypes.Contains(format.DefaultMimeType))
        {
            throw new ImageRejectedException(ImageRejectionReason.UnsupportedFormat,
                $"{format.Name} images are not accepted. Use PNG, JPEG, WebP, BMP or GIF.");
        }
        // Before the header is parsed: a cut-off file is a truncation, not "corrupt", to the user.
        var truncation = ImageIntegrity.FindTruncation(data, format.DefaultMimeType);
        if (truncation is not null)
        {
            throw new ImageRejectedException(ImageRejectionReason.Truncated,
                $"The file is incomplete: {truncation}. The upload or download was probably cut off; try it again.");
        }

        IImageInfo? info;
        try
        {
            info = Image.Identify(_configuration, data, out _);
        }
        catch (Exception e) when (e is InvalidImageContentException or ImageFormatException or NotSupportedException or InvalidMemoryOperationException)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, $"The {format.Name} header is damaged ({e.Message}).", e);
        }
        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, $"The {format.Name} header declares no valid dimensions.");
        }
        var pixels = (long)info.Width * info.Height;
        if (pixels > Limits.MaxPixels)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooManyPixels,
                $"The image is {info.Width}×{info.Height} ({pixels / 1_000_000.0:0.#} megapixels); the limit is {Limits.MaxPixels / 1_000_000.0:0.#} megapixels. Downscale it first.");
        }
        return format;
    }

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
