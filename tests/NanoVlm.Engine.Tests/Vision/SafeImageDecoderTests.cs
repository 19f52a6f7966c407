using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Vision;

public sealed class SafeImageDecoderTests
{
    private static readonly Rgba32 Red = new(255, 0, 0);
    private static readonly Rgba32 Blue = new(0, 0, 255);
    private readonly SafeImageDecoder _decoder = new(ImageLimits.Default);

    public static TheoryData<string> AcceptedFormats => ["png", "jpeg", "webp", "bmp", "gif"];

    [Theory]
    [MemberData(nameof(AcceptedFormats))]
    public void EveryAcceptedFormatDecodesToRgbWithItsMimeTypeFromTheBytes(string format)
    {
        using var source = TestImages.Halves(32, 16, Red, Blue);
        var bytes = TestImages.Encode(source, format switch
        {
            "png" => new PngEncoder(),
            "jpeg" => new JpegEncoder { Quality = 95 },
            "webp" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
            "bmp" => new BmpEncoder(),
            _ => new GifEncoder(),
        });
        Assert.Equal($"image/{format}", _decoder.DetectMimeType(bytes));
        using var image = _decoder.Decode(bytes);
        Assert.Equal((32, 16), (image.Width, image.Height));
        Assert.True(image[2, 8].R > 200 && image[2, 8].B < 60, $"left pixel {image[2, 8]}");
        Assert.True(image[30, 8].B > 200 && image[30, 8].R < 60, $"right pixel {image[30, 8]}");
    }

    [Fact]
    public void TransparencyIsCompositedOverWhite()
    {
        using var source = TestImages.Halves(4, 4, new Rgba32(0, 0, 0, 0), new Rgba32(0, 0, 0, 255));
        using var image = _decoder.Decode(TestImages.Encode(source, new PngEncoder()));
        Assert.Equal(new Rgb24(255, 255, 255), image[0, 0]);
        Assert.Equal(new Rgb24(0, 0, 0), image[3, 0]);
    }

    [Fact]
    public void ExifOrientationIsApplied()
    {
        // Stored sideways (red left, blue right) with "rotate 90° clockwise to view": upright, red is on top.
        using var source = TestImages.Halves(2, 1, Red, Blue);
        source.Metadata.ExifProfile = new ExifProfile();
        source.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        using var image = _decoder.Decode(TestImages.Encode(source, new PngEncoder()));
        Assert.Equal((1, 2), (image.Width, image.Height));
        Assert.Equal(new Rgb24(255, 0, 0), image[0, 0]);
        Assert.Equal(new Rgb24(0, 0, 255), image[0, 1]);
    }

    [Fact]
    public void AnimatedGifGivesItsFirstFrame()
    {
        using var animation = new Image<Rgba32>(8, 8, Red);
        using var second = new Image<Rgba32>(8, 8, Blue);
        animation.Frames.AddFrame(second.Frames.RootFrame);
        using var image = _decoder.Decode(TestImages.Encode(animation, new GifEncoder()));
        Assert.Equal(new Rgb24(255, 0, 0), image[4, 4]);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpeg")]
    public void TruncatedFilesAreRefusedInsteadOfDecodedBlack(string format)
    {
        using var source = TestImages.Halves(64, 64, Red, Blue);
        var bytes = TestImages.Encode(source, format == "png" ? new PngEncoder() : new JpegEncoder());
        var half = bytes[..(bytes.Length / 2)];
        var error = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(half));
        Assert.Equal(ImageRejectionReason.Truncated, error.Reason);
        Assert.Contains("incomplete", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeDimensionsAreRefusedFromTheHeaderBeforeDecoding()
    {
        var bytes = TestImages.PngClaimingSize(30000, 30000);
        var error = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(bytes));
        Assert.Equal(ImageRejectionReason.TooManyPixels, error.Reason);
        Assert.Contains("30000×30000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyBytesAreRefused()
    {
        var decoder = new SafeImageDecoder(ImageLimits.Default with { MaxBytes = 100 });
        using var source = TestImages.Halves(64, 64, Red, Blue);
        var error = Assert.Throws<ImageRejectedException>(() => decoder.Decode(TestImages.Encode(source, new BmpEncoder())));
        Assert.Equal(ImageRejectionReason.TooLarge, error.Reason);
    }

    [Fact]
    public void NonImagesEmptyFilesAndOtherFormatsHaveTheirOwnReasons()
    {
        Assert.Equal(ImageRejectionReason.Empty, Assert.Throws<ImageRejectedException>(() => _decoder.Decode([])).Reason);
        var text = "%PDF-1.7 this is not an image"u8.ToArray();
        Assert.Equal(ImageRejectionReason.NotAnImage, Assert.Throws<ImageRejectedException>(() => _decoder.Decode(text)).Reason);
        using var source = TestImages.Halves(8, 8, Red, Blue);
        var tga = TestImages.Encode(source, new TgaEncoder());
        // TGA has no reliable magic number; either way it must not be accepted as an upload.
        var reason = Assert.Throws<ImageRejectedException>(() => _decoder.Decode(tga)).Reason;
        Assert.Contains(reason, new[] { ImageRejectionReason.UnsupportedFormat, ImageRejectionReason.NotAnImage });
    }

    [Fact]
    public void FileNamedPngButHoldingAJpegIsReadAsJpeg()
    {
        using var source = TestImages.Halves(8, 8, Red, Blue);
        var jpeg = TestImages.Encode(source, new JpegEncoder());
        Assert.Equal("image/jpeg", _decoder.DetectMimeType(jpeg));
    }
}
