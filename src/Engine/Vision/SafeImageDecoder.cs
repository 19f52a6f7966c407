using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// Decodes an untrusted upload into an upright RGB image: the format is decided by the bytes, the size
/// and pixel count are checked before decoding, decoding runs under an allocation limit, truncated files
/// are refused, EXIF orientation is applied, transparency is composited over white, and a GIF gives its
/// first frame. Every refusal is an <see cref="ImageRejectedException"/>; no decoder exception escapes.
/// </summary>
public sealed class SafeImageDecoder
{
    /// <summary>The formats users may upload, by MIME type.</summary>
    public static IReadOnlyCollection<string> AcceptedMimeTypes { get; } =
        ["image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif"];

    private readonly Configuration _configuration;

    /// <summary>
    /// The same decoders ignoring metadata. ImageSharp 2.1 throws on some malformed EXIF blocks (a LONG array
    /// longer than the file, for one) although the pixels are fine: such files are decoded again without their
    /// metadata (so without EXIF orientation) rather than refused.
    /// </summary>
    private readonly Configuration _withoutMetadata;

    public SafeImageDecoder(ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Limits = limits;
        var allocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = limits.AllocationLimitMegabytes });
        _configuration = BuildConfiguration(allocator, ignoreMetadata: false);
        _withoutMetadata = BuildConfiguration(allocator, ignoreMetadata: true);
    }

    /// <summary>
    /// A configuration of its own: <c>Configuration.Default.Clone()</c> is shallow and shares the format manager,
    /// so replacing a decoder there would change it for every ImageSharp user in the process.
    /// </summary>
    private static Configuration BuildConfiguration(MemoryAllocator allocator, bool ignoreMetadata)
    {
        // Formats that are never accepted are still registered, so that they are named in the refusal.
        var configuration = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(),
            new BmpConfigurationModule(), new WebpConfigurationModule(), new TiffConfigurationModule(), new TgaConfigurationModule(),
            new PbmConfigurationModule())
        {
            MemoryAllocator = allocator,
        };
        var formats = configuration.ImageFormatsManager;
        // Only the first frame of an animation is used: don't decode (and allocate) the others.
        formats.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First, IgnoreMetadata = ignoreMetadata });
        formats.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = ignoreMetadata });
        formats.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = ignoreMetadata });
        formats.SetDecoder(WebpFormat.Instance, new WebpDecoder { IgnoreMetadata = ignoreMetadata });
        return configuration;
    }

    public ImageLimits Limits { get; }

    /// <summary>The MIME type the bytes are, or null when no known format matches.</summary>
    public string? DetectMimeType(ReadOnlySpan<byte> data) => Image.DetectFormat(_configuration, data)?.DefaultMimeType;

    public Image<Rgb24> Decode(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var format = Inspect(data);
        Exception? firstFailure = null;
        foreach (var configuration in ConfigurationsFor(data, format))
        {
            try
            {
                return DecodeWith(configuration, data);
            }
            catch (Exception e) when (IsDecoderFailure(e))
            {
                if (IsOverAllocationLimit(e))
                {
                    throw OverAllocationLimit(format, e);
                }
                firstFailure ??= e;
            }
        }
        throw new ImageRejectedException(ImageRejectionReason.Corrupt,
            $"The {format.Name} file is damaged and cannot be decoded ({firstFailure?.Message}). Re-export or re-scan it.", firstFailure);
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

        var info = Identify(data, format, out var headerProblem);
        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            // A cut-off file is a truncation to the user, not a damaged header.
            ThrowIfTruncated(data, format);
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, headerProblem is null
                ? $"The {format.Name} header declares no valid dimensions."
                : $"The {format.Name} header is damaged ({headerProblem.Message}).", headerProblem);
        }
        // Dimensions before truncation: a header claiming a billion rows is refused for its size, not for missing them.
        var pixels = (long)info.Width * info.Height;
        if (pixels > Limits.MaxPixels)
        {
            throw new ImageRejectedException(ImageRejectionReason.TooManyPixels, string.Create(CultureInfo.InvariantCulture,
                $"The image is {info.Width}×{info.Height} ({pixels / 1_000_000.0:0.#} megapixels); the limit is {Limits.MaxPixels / 1_000_000.0:0.#} megapixels. Downscale it first."));
        }
        ThrowIfTruncated(data, format);
        return format;
    }

    private IImageInfo? Identify(byte[] data, IImageFormat format, out Exception? problem)
    {
        problem = null;
        foreach (var configuration in ConfigurationsFor(data, format))
        {
            try
            {
                return Image.Identify(configuration, data, out _);
            }
            catch (Exception e) when (IsDecoderFailure(e))
            {
                if (IsOverAllocationLimit(e))
                {
                    throw OverAllocationLimit(format, e);
                }
                problem ??= e;
            }
        }
        return null;
    }

    /// <summary>With metadata first, then without; a file carrying a metadata bomb only without.</summary>
    private Configuration[] ConfigurationsFor(byte[] data, IImageFormat format) =>
        MetadataBombs.Found(data, format.DefaultMimeType) ? [_withoutMetadata] : [_configuration, _withoutMetadata];

    private static void ThrowIfTruncated(byte[] data, IImageFormat format)
    {
        var truncation = ImageIntegrity.FindTruncation(data, format.DefaultMimeType);
        if (truncation is not null)
        {
            throw new ImageRejectedException(ImageRejectionReason.Truncated,
                $"The file is incomplete: {truncation}. The upload or download was probably cut off; try it again.");
        }
    }

    private static Image<Rgb24> DecodeWith(Configuration configuration, byte[] data)
    {
        using var decoded = Image.Load<Rgba32>(configuration, data);
        decoded.Mutate(image => image.AutoOrient().BackgroundColor(Color.White));
        var upright = decoded.CloneAs<Rgb24>(configuration);
        // Orientation is applied; the profiles (camera, GPS position, colour profile) must not follow the pixels
        // into previews and thumbnails.
        upright.Metadata.ExifProfile = null;
        upright.Metadata.XmpProfile = null;
        upright.Metadata.IptcProfile = null;
        upright.Metadata.IccProfile = null;
        return upright;
    }

    /// <summary>
    /// Whatever a decoder throws on hostile bytes (its own exception types, but also argument, overflow, index and
    /// invalid-operation errors from header fields it did not validate); not the runtime's own emergencies.
    /// </summary>
    private static bool IsDecoderFailure(Exception e) => e is not (OutOfMemoryException or OperationCanceledException or StackOverflowException);

    /// <summary>ImageSharp sometimes wraps the allocator's refusal in an <see cref="InvalidImageContentException"/>.</summary>
    private static bool IsOverAllocationLimit(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is InvalidMemoryOperationException)
            {
                return true;
            }
        }
        return false;
    }

    private ImageRejectedException OverAllocationLimit(IImageFormat format, Exception e) => new(ImageRejectionReason.TooManyPixels,
        $"Decoding this {format.Name} image needs more than the {Limits.AllocationLimitMegabytes} MB allowed. Use a smaller image.", e);

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.##", CultureInfo.InvariantCulture);
}
