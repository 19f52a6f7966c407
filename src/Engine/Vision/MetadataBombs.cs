using System.Buffers.Binary;
using System.IO.Compression;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// Finds metadata that would cost ImageSharp 2.1 far more than the image itself, so that such files are decoded
/// without their metadata. Two kinds were measured here: a PNG zTXt chunk of 260 KB inflating to 256 MB of text
/// (78 s and 7 GB of allocations, since the text is inflated whole), and EXIF blocks with tens of thousands of
/// entries (seconds of CPU per upload). Real files carry kilobytes of text and tens of EXIF entries.
/// </summary>
public static class MetadataBombs
{
    /// <summary>Inflated PNG text and ICC data allowed in one file.</summary>
    public const int MaxInflatedBytes = 1024 * 1024;

    /// <summary>EXIF entries allowed over all directories (cameras write about a hundred).</summary>
    public const int MaxExifEntries = 1000;

    private const int MaxExifDirectories = 16;

    /// <summary>Whether the file's metadata should be ignored rather than parsed.</summary>
    public static bool Found(byte[] data, string mimeType)
    {
        ArgumentNullException.ThrowIfNull(data);
        return mimeType switch
        {
            "image/png" => PngTextExceedsBudget(data) || ExifBlocks(data, mimeType).Any(TooManyExifEntries),
            "image/jpeg" or "image/webp" => ExifBlocks(data, mimeType).Any(TooManyExifEntries),
            _ => false,
        };
    }

    private static IEnumerable<ArraySegment<byte>> ExifBlocks(byte[] data, string mimeType) => mimeType switch
    {
        "image/png" => PngChunks(data).Where(c => c.Type == "eXIf").Select(c => c.Data),
        "image/webp" => WebpChunks(data).Where(c => c.Type == "EXIF").Select(c => WithoutExifPrefix(c.Data)),
        _ => JpegSegmentsBeforeScan(data).Where(s => s.Marker == 0xE1 && s.Data.AsSpan().StartsWith("Exif\0\0"u8))
            .Select(s => s.Data[6..]),
    };

    private static ArraySegment<byte> WithoutExifPrefix(ArraySegment<byte> data) =>
        data.AsSpan().StartsWith("Exif\0\0"u8) ? data[6..] : data;

    private static bool PngTextExceedsBudget(byte[] png)
    {
        var remaining = (long)MaxInflatedBytes;
        foreach (var (type, data) in PngChunks(png))
        {
            var compressedAt = CompressedPayloadOffset(data, type);
            if (compressedAt >= 0)
            {
                remaining -= InflatedSize(data[compressedAt..], remaining + 1);
                if (remaining < 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Where the zlib stream starts inside a text or ICC chunk's data, or -1 when the chunk holds none.</summary>
    private static int CompressedPayloadOffset(ReadOnlySpan<byte> data, string type)
    {
        var keywordEnd = data.IndexOf((byte)0);
        if (keywordEnd < 0)
        {
            return -1;
        }
        if (type is "zTXt" or "iCCP")
        {
            return keywordEnd + 2; // keyword, NUL, compression method
        }
        if (type == "iTXt" && keywordEnd + 2 < data.Length && data[keywordEnd + 1] == 1)
        {
            // keyword, NUL, compression flag, method, language tag, NUL, translated keyword, NUL, text
            var rest = data[(keywordEnd + 3)..];
            var languageEnd = rest.IndexOf((byte)0);
            var translatedEnd = languageEnd < 0 ? -1 : rest[(languageEnd + 1)..].IndexOf((byte)0);
            return translatedEnd < 0 ? -1 : keywordEnd + 3 + languageEnd + 1 + translatedEnd + 1;
        }
        return -1;
    }

    /// <summary>How many bytes a zlib stream inflates to, counting no further than <paramref name="limit"/>.</summary>
    private static long InflatedSize(ArraySegment<byte> compressed, long limit)
    {
        var scratch = new byte[64 * 1024];
        var total = 0L;
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed.Array!, compressed.Offset, compressed.Count, writable: false), CompressionMode.Decompress);
            int read;
            while (total < limit && (read = zlib.Read(scratch)) > 0)
            {
                total += read;
            }
        }
        catch (InvalidDataException)
        {
            // Broken compressed metadata is the decoder's to skip or report; it is not a bomb.
        }
        return total;
    }

    /// <summary>Counts entries over IFD0, its chain and the EXIF, GPS and interoperability sub-directories.</summary>
    private static bool TooManyExifEntries(ArraySegment<byte> tiff)
    {
        var span = tiff.AsSpan();
        if (span.Length < 8 || !(span.StartsWith("II"u8) || span.StartsWith("MM"u8)))
        {
            return false;
        }
        var little = span[0] == (byte)'I';
        uint U32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(tiff.AsSpan(at));
        ushort U16(int at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(tiff.AsSpan(at));

        var pending = new Queue<uint>([U32(4)]);
        var visited = new HashSet<uint>();
        var entries = 0;
        while (pending.Count > 0 && visited.Count < MaxExifDirectories)
        {
            var directory = pending.Dequeue();
            if (directory + 2L > span.Length || !visited.Add(directory))
            {
                continue;
            }
            int count = U16((int)directory);
            entries += count;
            if (entries > MaxExifEntries)
            {
                return true;
            }
            for (var i = 0; i < count && directory + 2L + (i + 1) * 12L <= span.Length; i++)
            {
                var entry = (int)directory + 2 + i * 12;
                if (U16(entry) is 0x8769 or 0x8825 or 0xA005)
                {
                    pending.Enqueue(U32(entry + 8));
                }
            }
            var next = directory + 2L + count * 12L;
            if (next + 4 <= span.Length && U32((int)next) != 0)
            {
                pending.Enqueue(U32((int)next));
            }
        }
        return false;
    }

    private static IEnumerable<(string Type, ArraySegment<byte> Data)> PngChunks(byte[] png)
    {
        for (var offset = 8; offset + 12 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            if (offset + 12L + length > png.Length)
            {
                yield break; // truncation is reported elsewhere
            }
            yield return (System.Text.Encoding.ASCII.GetString(png, offset + 4, 4), new ArraySegment<byte>(png, offset + 8, (int)length));
            offset += 12 + (int)length;
        }
    }

    private static IEnumerable<(string Type, ArraySegment<byte> Data)> WebpChunks(byte[] webp)
    {
        for (var offset = 12; offset + 8 <= webp.Length;)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(offset + 4));
            if (offset + 8L + size > webp.Length)
            {
                yield break;
            }
            yield return (System.Text.Encoding.ASCII.GetString(webp, offset, 4), new ArraySegment<byte>(webp, offset + 8, (int)size));
            offset += 8 + (int)size + (int)(size & 1);
        }
    }

    private static IEnumerable<(byte Marker, ArraySegment<byte> Data)> JpegSegmentsBeforeScan(byte[] jpeg)
    {
        var position = 2;
        while (position + 4 <= jpeg.Length && jpeg[position] == 0xFF)
        {
            var marker = jpeg[position + 1];
            if (marker is 0xDA or 0xD9)
            {
                yield break;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(position + 2));
            if (length < 2 || position + 2 + length > jpeg.Length)
            {
                yield break;
            }
            yield return (marker, new ArraySegment<byte>(jpeg, position + 4, length - 2));
            position += 2 + length;
        }
    }
}
