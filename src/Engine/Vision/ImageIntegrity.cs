using System.Buffers.Binary;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// Structural end-of-file checks. ImageSharp decodes a truncated PNG, JPEG or BMP without an error and paints
/// the missing part black, which would silently train or answer on half a page; these checks catch it. Each
/// walks the format's own structure to its end marker, so data appended after a complete image (a phone's
/// trailer, a ZIP in a polyglot) is not mistaken for damage.
/// </summary>
public static class ImageIntegrity
{
    /// <summary>ImageSharp refuses BMPs larger than this per side with its own message.</summary>
    private const long MaxBmpSide = 65535;

    /// <summary>Null when the file is complete, else what is missing.</summary>
    public static string? FindTruncation(ReadOnlySpan<byte> data, string mimeType) => mimeType switch
    {
        "image/png" => CheckPng(data),
        "image/jpeg" => CheckJpeg(data),
        "image/gif" => CheckGif(data),
        "image/bmp" => CheckBmp(data),
        "image/webp" => CheckWebp(data),
        _ => null,
    };

    // Walks the chunk list: every chunk must fit, image data must come, and IEND must be reached.
    private static string? CheckPng(ReadOnlySpan<byte> data)
    {
        var offset = 8;
        var sawImageData = false;
        while (offset + 12 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = data.Slice(offset + 4, 4);
            var next = offset + 12L + length;
            if (next > data.Length)
            {
                return "a PNG chunk runs past the end of the file";
            }
            if (type.SequenceEqual("IEND"u8))
            {
                return sawImageData ? null : "the PNG has no image data (no IDAT chunk)";
            }
            sawImageData |= type.SequenceEqual("IDAT"u8);
            offset = (int)next;
        }
        return "the PNG has no IEND chunk";
    }

    // Segment by segment (each has a length) up to the end-of-image marker. Entropy-coded data after a
    // start-of-scan runs to the next marker: there 0xFF is always followed by 0x00 (stuffing) or a restart
    // marker, so any other FF xx ends it.
    private static string? CheckJpeg(ReadOnlySpan<byte> data)
    {
        const string noScan = "the JPEG has no image data (no start-of-scan marker)";
        const string noEnd = "the JPEG ends before its end-of-image marker";
        var position = 2;
        var sawScan = false;
        while (true)
        {
            // Decoders skip stray bytes before a marker and any number of 0xFF fill bytes.
            while (position < data.Length && data[position] != 0xFF) position++;
            while (position < data.Length && data[position] == 0xFF) position++;
            if (position >= data.Length)
            {
                return sawScan ? noEnd : noScan;
            }
            var marker = data[position++];
            if (marker == 0xD9)
            {
                return sawScan ? null : noScan;
            }
            if (marker is 0x00 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                continue; // no length field
            }
            if (position + 2 > data.Length)
            {
                return "a JPEG segment runs past the end of the file";
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            if (length < 2 || position + length > data.Length)
            {
                return "a JPEG segment runs past the end of the file";
            }
            position += length;
            if (marker == 0xDA)
            {
                sawScan = true;
                while (position + 1 < data.Length && !EndsEntropyCodedData(data[position], data[position + 1]))
                {
                    position++;
                }
                if (position + 1 >= data.Length)
                {
                    return noEnd;
                }
            }
        }
    }

    private static bool EndsEntropyCodedData(byte current, byte next) =>
        current == 0xFF && next is not (0x00 or 0xFF or (>= 0xD0 and <= 0xD7));

    // Header, colour table, then blocks (extensions and images, each a chain of sub-blocks) up to the trailer.
    private static string? CheckGif(ReadOnlySpan<byte> data)
    {
        const string noTrailer = "the GIF ends before its trailer";
        if (data.Length < 13)
        {
            return "the GIF header is incomplete";
        }
        var position = 13L + ColourTableSize(data[10]);
        var images = 0;
        while (position < data.Length)
        {
            switch (data[(int)position])
            {
                case 0x3B:
                    return images > 0 ? null : "the GIF has no image (only a header)";
                case 0x21:
                    position = SkipSubBlocks(data, position + 2);
                    break;
                case 0x2C:
                    if (position + 10 > data.Length)
                    {
                        return noTrailer;
                    }
                    // Descriptor (10 bytes), local colour table, LZW minimum code size, then the data sub-blocks.
                    position = SkipSubBlocks(data, position + 10 + ColourTableSize(data[(int)position + 9]) + 1);
                    images++;
                    break;
                default:
                    position++; // decoders ignore stray bytes between blocks
                    break;
            }
        }
        return noTrailer;
    }

    private static int ColourTableSize(byte flags) => (flags & 0x80) == 0 ? 0 : 3 << ((flags & 0x07) + 1);

    /// <summary>The position after the terminating empty sub-block, or past the end when the chain is cut off.</summary>
    private static long SkipSubBlocks(ReadOnlySpan<byte> data, long position)
    {
        while (position < data.Length)
        {
            var size = data[(int)position];
            position += 1 + size;
            if (size == 0)
            {
                return position;
            }
        }
        return long.MaxValue;
    }

    // The declared file size when there is one, and always the size the uncompressed pixel rows need.
    private static string? CheckBmp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 18)
        {
            return "the BMP header is incomplete";
        }
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data[2..]);
        if (declared != 0 && declared > data.Length)
        {
            return $"the BMP declares {declared} bytes but the file has {data.Length}";
        }
        var infoSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (infoSize is not (12 or >= 40))
        {
            return null; // a header layout this check does not know: the decoder judges it
        }
        if (14L + infoSize > data.Length)
        {
            return "the BMP header is incomplete";
        }
        long width, height, bitsPerPixel, compression;
        if (infoSize == 12)
        {
            (width, height) = (BinaryPrimitives.ReadUInt16LittleEndian(data[18..]), BinaryPrimitives.ReadUInt16LittleEndian(data[20..]));
            (bitsPerPixel, compression) = (BinaryPrimitives.ReadUInt16LittleEndian(data[24..]), 0);
        }
        else
        {
            (width, height) = (BinaryPrimitives.ReadInt32LittleEndian(data[18..]), BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
            (bitsPerPixel, compression) = (BinaryPrimitives.ReadUInt16LittleEndian(data[28..]), BinaryPrimitives.ReadUInt32LittleEndian(data[30..]));
        }
        (width, height) = (Math.Abs(width), Math.Abs(height));
        // Only uncompressed layouts (RGB, bit fields) have a predictable size; absurd sizes are the decoder's to refuse.
        if (compression is not (0 or 3 or 6) || width > MaxBmpSide || height > MaxBmpSide)
        {
            return null;
        }
        var stride = (bitsPerPixel * width + 31) / 32 * 4;
        var needed = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]) + stride * height;
        return needed > data.Length ? $"the BMP's pixel rows need {needed} bytes but the file has {data.Length}" : null;
    }

    private static string? CheckWebp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            return "the WebP header is incomplete";
        }
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) + 8L;
        return declared > data.Length ? $"the WebP declares {declared} bytes but the file has {data.Length}" : null;
    }
}
