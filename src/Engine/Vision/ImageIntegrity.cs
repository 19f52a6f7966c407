using System.Buffers.Binary;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// Structural end-of-file checks. ImageSharp decodes a truncated PNG or JPEG without an error and paints
/// the missing part black, which would silently train or answer on half a page; these checks catch it.
/// </summary>
public static class ImageIntegrity
{
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

    // Walks the chunk list: every chunk must fit, and IEND must be reached.
    private static string? CheckPng(ReadOnlySpan<byte> data)
    {
        var offset = 8;
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
                return null;
            }
            offset = (int)next;
        }
        return "the PNG has no IEND chunk";
    }

    // The end-of-image marker must follow the last start-of-scan. In entropy-coded data 0xFF is always
    // followed by 0x00 or a restart marker, so FF D9 there can only be the real end marker.
    private static string? CheckJpeg(ReadOnlySpan<byte> data)
    {
        var lastScan = LastIndexOfMarker(data, 0xDA);
        if (lastScan < 0)
        {
            return "the JPEG has no image data (no start-of-scan marker)";
        }
        return LastIndexOfMarker(data, 0xD9) > lastScan ? null : "the JPEG ends before its end-of-image marker";
    }

    private static int LastIndexOfMarker(ReadOnlySpan<byte> data, byte marker)
    {
        for (var i = data.Length - 2; i >= 0; i--)
        {
            if (data[i] == 0xFF && data[i + 1] == marker)
            {
                return i;
            }
        }
        return -1;
    }

    private static string? CheckGif(ReadOnlySpan<byte> data)
    {
        var end = data.Length - 1;
        while (end > 0 && data[end] == 0)
        {
            end--;
        }
        return data[end] == 0x3B ? null : "the GIF ends before its trailer";
    }

    private static string? CheckBmp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 14)
        {
            return "the BMP header is incomplete";
        }
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data[2..]);
        return declared != 0 && declared > data.Length ? $"the BMP declares {declared} bytes but the file has {data.Length}" : null;
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
