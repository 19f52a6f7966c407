using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using static NanoVlm.Engine.Vision.ImageRejectionReason;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

/// <summary>
/// Hostile and unusual uploads, generated here (nothing binary is committed), each with the outcome the decoder
/// must give under <see cref="Limits"/>: bombs, truncations, lying headers, wrong magic numbers, polyglots,
/// odd colour models and EXIF oddities. The server tests post the same files to the ask endpoint.
/// </summary>
public static class HostileFileCorpus
{
    /// <summary>1 MiB, 16 megapixels, 32 MB of decoder buffers: small, so every limit is cheap to reach.</summary>
    public static ImageLimits Limits { get; } = new(1024 * 1024, 16_000_000, 32);

    private static readonly Rgba32 Red = new(255, 0, 0);
    private static readonly Rgba32 Blue = new(0, 0, 255);
    private static readonly Lazy<IReadOnlyList<HostileFile>> Files = new(Generate);

    public static IReadOnlyList<HostileFile> All => Files.Value;

    public static HostileFile Get(string name) => All.Single(f => f.Name == name);

    public static TheoryData<string> Names => [.. All.Select(f => f.Name)];

    private static List<HostileFile> Generate()
    {
        var files = new List<HostileFile>();
        void Add(string name, string fileName, byte[] bytes, HostileOutcome expected) => files.Add(new(name, fileName, bytes, expected));

        var halvesPng = Encode(Halves(16, 8), new PngEncoder());
        var halvesJpeg = Encode(Halves(16, 8), new JpegEncoder { Quality = 95 });
        var halvesGif = Encode(Halves(16, 8), new GifEncoder());
        var halvesWebp = Encode(Halves(16, 8), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });
        var halvesBmp = Encode(Halves(16, 8), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });
        var redLeft = HalvesPixels(16, 8);

        // Decompression bombs: tiny files that would expand to hundreds of megabytes.
        Add("png-bomb-8000x8000-one-shade", "bomb.png", PngBytes.SingleShade(8000, 8000, 255), new Rejected(TooManyPixels, "8000×8000"));
        Add("png-bomb-under-pixel-limit-over-allocation-limit", "bomb2.png", PngBytes.SingleShade(4000, 3000, 255),
            new Rejected(TooManyPixels, "more than the 32 MB allowed"));
        Add("gif-huge-logical-screen", "screen.gif", [.. GifBytes.Header(65535, 65535), .. GifBytes.Frame(1, 1), .. GifBytes.Trailer()],
            new Rejected(TooManyPixels, "65535×65535"));
        // ImageSharp clips the frame to the screen instead of allocating for it.
        Add("gif-frame-larger-than-its-screen", "frame.gif", [.. GifBytes.Header(8, 8), .. GifBytes.Frame(65535, 65535), .. GifBytes.Trailer()],
            new Accepted("image/gif", 8, 8));
        Add("png-ztxt-bomb-256mb-of-text", "ztxt.png", PngWithChunkBefore(halvesPng, "zTXt", [.. "Comment"u8, 0, 0, .. PngBytes.Zlib((byte)'A', 256L << 20)]),
            new Accepted("image/png", 16, 8, redLeft));
        Add("png-iccp-bomb-256mb-profile", "iccp.png", PngWithChunkBefore(halvesPng, "iCCP", [.. "icc"u8, 0, 0, .. PngBytes.Zlib(0, 256L << 20)]),
            new Accepted("image/png", 16, 8, redLeft));

        // Giant dimensions declared in headers.
        Add("png-ihdr-100000x100000", "giant.png", PngClaimingSize(halvesPng, 100_000, 100_000), new Rejected(TooManyPixels, "100000×100000"));
        Add("png-ihdr-zero-width", "zero.png", PngClaimingSize(halvesPng, 0, 8), new Rejected(Corrupt, "PNG"));
        Add("png-ihdr-width-2-pow-31", "wide.png", PngClaimingSize(halvesPng, int.MinValue, 8), new Rejected(Corrupt, "PNG"));
        Add("jpeg-sof-65535x65535", "giant.jpg", UniformJpeg.Write(16, 8, [200], declaredWidth: 65535, declaredHeight: 65535),
            new Rejected(TooManyPixels, "65535×65535"));
        Add("jpeg-sof-zero-height", "zero.jpg", UniformJpeg.Write(16, 8, [200], declaredHeight: 0), new Rejected(Corrupt, "JPEG"));
        Add("bmp-height-int-max", "tall.bmp", BmpBytes.Write(8, int.MaxValue, (_, _) => (255, 0, 0), rowCount: 8),
            new Rejected(Corrupt, "BMP header is damaged"));
        Add("bmp-height-int-min", "min.bmp", BmpBytes.Write(8, int.MinValue, (_, _) => (255, 0, 0), rowCount: 8), new Rejected(Corrupt, "BMP"));
        Add("bmp-width-negative", "neg.bmp", BmpBytes.Write(-8, 8, (_, _) => (255, 0, 0), rowCount: 8), new Rejected(Corrupt, "BMP"));
        Add("webp-vp8l-16384x16384", "giant.webp", WebpClaimingSize(halvesWebp, 16384, 16384), new Rejected(TooManyPixels, "16384×16384"));

        // Truncated files: must not decode with the missing part painted black.
        Add("png-truncated-half", "half.png", halvesPng[..(halvesPng.Length / 2)], new Rejected(Truncated, "incomplete"));
        Add("png-signature-only", "sig.png", PngBytes.Signature, new Rejected(Truncated, "no IEND"));
        Add("png-without-iend", "noend.png", halvesPng[..^12], new Rejected(Truncated, "no IEND"));
        Add("png-without-idat", "noidat.png", PngBytes.File(PngBytes.Ihdr(16, 8, 8, 0), PngBytes.Iend()), new Rejected(Truncated, "no image data"));
        Add("jpeg-truncated-half", "half.jpg", halvesJpeg[..(halvesJpeg.Length / 2)], new Rejected(Truncated, "incomplete"));
        Add("jpeg-headers-only", "head.jpg", halvesJpeg[..20], new Rejected(Truncated, "incomplete"));
        Add("gif-truncated", "half.gif", halvesGif[..(halvesGif.Length - 6)], new Rejected(Truncated, "incomplete"));
        Add("gif-without-frames", "empty.gif", [.. GifBytes.Header(8, 8), .. GifBytes.Trailer()], new Rejected(Truncated, "no image"));
        Add("webp-truncated", "half.webp", halvesWebp[..(halvesWebp.Length / 2)], new Rejected(Truncated, "incomplete"));
        Add("bmp-truncated", "half.bmp", halvesBmp[..(halvesBmp.Length / 2)], new Rejected(Truncated, "incomplete"));
        Add("bmp-truncated-with-zero-size-field", "half0.bmp", WithUInt32(halvesBmp, 2, 0)[..(halvesBmp.Length / 2)],
            new Rejected(Truncated, "incomplete"));

        // Corrupt data behind valid headers.
        Add("png-bad-idat-crc", "crc.png", WithFlippedByte(halvesPng, PngBytes.FindChunk(halvesPng, "IDAT") + 8 + ChunkLength(halvesPng, "IDAT")),
            new Rejected(Corrupt, "damaged"));
        Add("png-garbage-zlib-with-good-crc", "zlib.png", PngBytes.File(PngBytes.Ihdr(16, 8, 8, 0), PngBytes.Chunk("IDAT", Garbage(64, 7)), PngBytes.Iend()),
            new Rejected(Corrupt, "damaged"));
        Add("png-signature-then-garbage", "junk.png", [.. PngBytes.Signature, .. Garbage(200, 3)], new Rejected(Truncated, "incomplete"));

        // The content type is decided by the bytes, never by the name.
        Add("png-named-jpg", "photo.jpg", halvesPng, new Accepted("image/png", 16, 8, redLeft));
        Add("jpeg-named-png", "scan.png", halvesJpeg, new Accepted("image/jpeg", 16, 8, redLeft));
        Add("text-named-png", "notes.png", "Total: 42\nThis is a text file, not a picture.\n"u8.ToArray(), new Rejected(NotAnImage, "not an image"));
        Add("zip-named-png", "archive.png", Zip(), new Rejected(NotAnImage, "not an image"));
        Add("pdf-named-png", "doc.png", "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"u8.ToArray(),
            new Rejected(NotAnImage, "not an image"));
        Add("elf-named-png", "program.png", Elf(), new Rejected(NotAnImage, "not an image"));
        Add("svg-named-png", "vector.png", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(1)</script></svg>"u8.ToArray(),
            new Rejected(NotAnImage, "not an image"));
        Add("zero-bytes", "empty.png", [], new Rejected(Empty, "empty"));
        Add("tiff-is-not-accepted", "scan.png", Encode(Halves(16, 8), new TiffEncoder()), new Rejected(UnsupportedFormat, "TIFF"));
        Add("tga-is-not-accepted", "scan.png", Encode(Halves(16, 8), new TgaEncoder()), new Rejected(UnsupportedFormat, "TGA"));
        Add("bmp-over-the-byte-limit", "big.bmp", BmpBytes.Write(700, 700, (_, _) => (255, 255, 255), rowCount: 700),
            new Rejected(TooLarge, "the limit is 1 MB"));

        // Polyglots: valid images with something else attached; accepted as the image, never served back raw.
        Add("gif-javascript-polyglot", "poly.gif", GifJavascriptPolyglot(), new Accepted("image/gif", 10799, 1));
        Add("png-with-appended-zip", "poly.png", [.. halvesPng, .. Zip()], new Accepted("image/png", 16, 8, redLeft));
        Add("jpeg-with-appended-zip-containing-markers", "poly.jpg", [.. halvesJpeg, .. Zip(), 0xFF, 0xDA, 0x00, 0x08],
            new Accepted("image/jpeg", 16, 8, redLeft));
        Add("png-with-html-text-chunk", "html.png",
            PngWithChunkBefore(halvesPng, "tEXt", [.. "Comment"u8, 0, .. "<html><script>alert(1)</script></html>"u8]), new Accepted("image/png", 16, 8, redLeft));

        // Colour models and encodings ImageSharp's encoders don't all write.
        Add("jpeg-cmyk-adobe", "cmyk.jpg", UniformJpeg.Write(16, 8, [255, 0, 0, 255], extraSegments: [UniformJpeg.AdobeSegment(0)]),
            new Accepted("image/jpeg", 16, 8, new ExpectedPixel(8, 4, 255, 0, 0)));
        Add("jpeg-ycck-adobe", "ycck.jpg", UniformJpeg.Write(16, 8, [128, 128, 128, 255], extraSegments: [UniformJpeg.AdobeSegment(2)]),
            new Accepted("image/jpeg", 16, 8));
        Add("jpeg-greyscale", "grey.jpg", UniformJpeg.Write(16, 8, [200]), new Accepted("image/jpeg", 16, 8, new ExpectedPixel(8, 4, 200, 200, 200, 2)));
        Add("jpeg-baseline-hand-written", "base.jpg", UniformJpeg.Write(24, 16, [76, 85, 255]), new Accepted("image/jpeg", 24, 16, new ExpectedPixel(12, 8, 255, 0, 0, 6)));
        Add("jpeg-progressive-scans", "prog2.jpg", UniformJpeg.Write(24, 16, [76, 85, 255], progressive: true),
            new Accepted("image/jpeg", 24, 16, new ExpectedPixel(12, 8, 255, 0, 0, 6)));
        Add("png-16-bit-rgb", "deep.png", Encode(Halves(16, 8), new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb }),
            new Accepted("image/png", 16, 8, redLeft));
        Add("png-greyscale-alpha", "ga.png", Encode(TransparentLeft(16, 8), new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha }),
            new Accepted("image/png", 16, 8, new ExpectedPixel(2, 4, 255, 255, 255, 0), new ExpectedPixel(13, 4, 0, 0, 0, 0)));
        Add("png-palette-with-trns", "pal.png", Encode(TransparentLeft(16, 8), new PngEncoder { ColorType = PngColorType.Palette }),
            new Accepted("image/png", 16, 8, new ExpectedPixel(2, 4, 255, 255, 255, 0), new ExpectedPixel(13, 4, 0, 0, 0, 0)));
        Add("png-interlaced-adam7", "adam7.png", Encode(Halves(16, 8), new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 }),
            new Accepted("image/png", 16, 8, redLeft));
        Add("gif-animated-first-frame-used", "anim.gif", AnimatedGif(), new Accepted("image/gif", 8, 8, new ExpectedPixel(4, 4, 255, 0, 0, 0)));
        Add("bmp-top-down", "topdown.bmp", BmpBytes.Write(8, -8, (_, y) => y < 4 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255), rowCount: 8),
            new Accepted("image/bmp", 8, 8, new ExpectedPixel(4, 1, 255, 0, 0, 0), new ExpectedPixel(4, 6, 0, 0, 255, 0)));
        Add("webp-lossy", "photo.webp", Encode(Halves(16, 8), new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = 95 }),
            new Accepted("image/webp", 16, 8, new ExpectedPixel(2, 4, 255, 0, 0, 60), new ExpectedPixel(13, 4, 0, 0, 255, 60)));

        // EXIF: every orientation is applied; broken or huge EXIF blocks are ignored, not fatal.
        for (ushort orientation = 1; orientation <= 8; orientation++)
        {
            var source = Halves(16, 8);
            source.Metadata.ExifProfile = new ExifProfile();
            source.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
            Add($"jpeg-exif-orientation-{orientation}", $"o{orientation}.jpg", Encode(source, new JpegEncoder { Quality = 95 }), OrientedOutcome(orientation));
        }
        Add("jpeg-exif-orientation-out-of-range", "o9.jpg",
            UniformJpeg.Write(16, 8, [76, 85, 255], extraSegments: [ExifBytes.JpegApp1(ExifBytes.Tiff([ExifBytes.Orientation(9)]))]),
            new Accepted("image/jpeg", 16, 8));
        Add("jpeg-exif-ifd-offset-past-end", "exif1.jpg",
            UniformJpeg.Write(16, 8, [76, 85, 255], extraSegments: [ExifBytes.JpegApp1(WithUInt32(ExifBytes.Tiff([ExifBytes.Orientation(6)]), 4, 0xFFFFFF00))]),
            new Accepted("image/jpeg", 16, 8));
        Add("jpeg-exif-ifd-chain-loops", "exif2.jpg",
            UniformJpeg.Write(16, 8, [76, 85, 255], extraSegments: [ExifBytes.JpegApp1(ExifBytes.Tiff([ExifBytes.Orientation(1)], nextIfd: 8))]),
            new Accepted("image/jpeg", 16, 8));
        Add("jpeg-exif-array-of-a-billion-longs", "exif3.jpg",
            UniformJpeg.Write(16, 8, [76, 85, 255], extraSegments: [ExifBytes.JpegApp1(ExifBytes.Tiff([ExifBytes.HugeArray(0x3FFF_FFFF, 8)]))]),
            new Accepted("image/jpeg", 16, 8));
        Add("jpeg-exif-garbage", "exif4.jpg", UniformJpeg.Write(16, 8, [76, 85, 255], extraSegments: [UniformJpeg.Segment(0xE1, [.. "Exif\0\0"u8, .. Garbage(400, 11)])]),
            new Accepted("image/jpeg", 16, 8));
        Add("jpeg-exif-max-size-segment", "exif5.jpg",
            UniformJpeg.Write(16, 8, [76, 85, 255], extraSegments: [ExifBytes.JpegApp1(ExifBytes.Tiff(ExifBytes.Filler(5000)))]), new Accepted("image/jpeg", 16, 8));
        Add("png-exif-65535-entries", "exif6.png", PngWithChunkBefore(halvesPng, "eXIf", ExifBytes.Tiff(ExifBytes.Filler(65535))),
            new Accepted("image/png", 16, 8, redLeft));
        return files;
    }

    /// <summary>16×8 with red on the left: after orientation N, where red must be.</summary>
    private static Accepted OrientedOutcome(ushort orientation)
    {
        var upright = orientation <= 4;
        var (width, height) = upright ? (16, 8) : (8, 16);
        // 1 and 4 keep red left; 2 and 3 put it right; 5 and 6 on top; 7 and 8 at the bottom.
        var (redX, redY, blueX, blueY) = orientation switch
        {
            1 or 4 => (3, 4, 12, 4),
            2 or 3 => (12, 4, 3, 4),
            5 or 6 => (4, 3, 4, 12),
            _ => (4, 12, 4, 3),
        };
        return new Accepted("image/jpeg", width, height, new ExpectedPixel(redX, redY, 255, 0, 0, 40), new ExpectedPixel(blueX, blueY, 0, 0, 255, 40));
    }

    private static ExpectedPixel[] HalvesPixels(int width, int height) =>
        [new(width / 4, height / 2, 255, 0, 0, 40), new(width * 3 / 4, height / 2, 0, 0, 255, 40)];

    private static Image<Rgba32> Halves(int width, int height)
    {
        var image = new Image<Rgba32>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < width; x++)
                {
                    row[x] = x < width / 2 ? Red : Blue;
                }
            }
        });
        return image;
    }

    /// <summary>Transparent on the left, opaque black on the right.</summary>
    private static Image<Rgba32> TransparentLeft(int width, int height)
    {
        var image = new Image<Rgba32>(width, height, new Rgba32(0, 0, 0, 255));
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < height; y++)
            {
                rows.GetRowSpan(y)[..(width / 2)].Fill(new Rgba32(0, 0, 0, 0));
            }
        });
        return image;
    }

    private static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
    }

    private static byte[] AnimatedGif()
    {
        var animation = new Image<Rgba32>(8, 8, Red);
        using var second = new Image<Rgba32>(8, 8, Blue);
        animation.Frames.AddFrame(second.Frames.RootFrame);
        return Encode(animation, new GifEncoder());
    }

    /// <summary>"GIF89a/*" opens a JavaScript comment; the width bytes are "/*" (10799), and the script follows the trailer.</summary>
    private static byte[] GifJavascriptPolyglot()
    {
        var header = GifBytes.Header(0x2A2F, 1);
        return [.. header, .. GifBytes.Frame(1, 1), .. GifBytes.Trailer(), .. "*/=1;alert(document.domain);//"u8];
    }

    /// <summary>The PNG with an extra chunk inserted just before its first IDAT.</summary>
    private static byte[] PngWithChunkBefore(byte[] png, string type, byte[] data)
    {
        var at = PngBytes.FindChunk(png, "IDAT");
        return [.. png[..at], .. PngBytes.Chunk(type, data), .. png[at..]];
    }

    private static byte[] PngClaimingSize(byte[] png, int width, int height)
    {
        var copy = (byte[])png.Clone();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(29), PngBytes.Crc32(copy.AsSpan(12, 17)));
        return copy;
    }

    private static int ChunkLength(byte[] png, string type) => (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(PngBytes.FindChunk(png, type)));

    /// <summary>A lossless WebP whose VP8L header (14 bits per side, minus one) declares another size.</summary>
    private static byte[] WebpClaimingSize(byte[] webp, int width, int height)
    {
        var copy = (byte[])webp.Clone();
        if (!copy.AsSpan(12, 4).SequenceEqual("VP8L"u8) || copy[20] != 0x2F)
        {
            throw new InvalidOperationException("Expected a simple-format lossless WebP from the encoder.");
        }
        var bits = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(21));
        bits = (bits & 0xF000_0000u) | (uint)(width - 1) | ((uint)(height - 1) << 14);
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(21), bits);
        return copy;
    }

    private static byte[] WithUInt32(byte[] bytes, int offset, uint value)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] WithFlippedByte(byte[] bytes, int offset)
    {
        var copy = (byte[])bytes.Clone();
        copy[offset] ^= 0xFF;
        return copy;
    }

    private static byte[] Garbage(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A real ZIP archive with one small text file.</summary>
    private static byte[] Zip()
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(archive.CreateEntry("readme.txt", CompressionLevel.NoCompression).Open(), Encoding.ASCII);
            entry.Write("not an image");
        }
        return stream.ToArray();
    }

    /// <summary>A 64-bit little-endian ELF header (an executable renamed to .png).</summary>
    private static byte[] Elf()
    {
        var header = new byte[64];
        header[0] = 0x7F;
        "ELF"u8.CopyTo(header.AsSpan(1));
        header[4] = 2; // 64-bit
        header[5] = 1; // little-endian
        header[6] = 1; // version
        header[16] = 2; // executable
        header[18] = 0x3E; // x86-64
        return header;
    }
}
