using System.Buffers.Binary;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

/// <summary>Raw little-endian TIFF/EXIF blocks, including ones whose offsets and counts lie.</summary>
internal static class ExifBytes
{
    public const ushort OrientationTag = 0x0112;
    private const ushort ShortType = 3;
    private const ushort LongType = 4;

    /// <summary>"II*\0", the first IFD at 8, then the entries (tag, type, count, value-or-offset) and the next-IFD offset.</summary>
    public static byte[] Tiff(IReadOnlyList<(ushort Tag, ushort Type, uint Count, uint Value)> entries, uint nextIfd = 0)
    {
        var bytes = new byte[8 + 2 + entries.Count * 12 + 4];
        "II*\0"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 8);
        // The count field is 16 bits: a caller asking for more entries gets a count that lies (wraps), as intended.
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var at = bytes.AsSpan(10 + i * 12);
            BinaryPrimitives.WriteUInt16LittleEndian(at, entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(at[2..], entries[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], entries[i].Count);
            BinaryPrimitives.WriteUInt32LittleEndian(at[8..], entries[i].Value);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), nextIfd);
        return bytes;
    }

    public static (ushort, ushort, uint, uint) Orientation(ushort value) => (OrientationTag, ShortType, 1, value);

    /// <summary>Private tags (0xC000 and up), one SHORT each: many entries, nothing meaningful.</summary>
    public static IReadOnlyList<(ushort, ushort, uint, uint)> Filler(int count) =>
        [.. Enumerable.Range(0, count).Select(i => ((ushort)(0xC000 + (i % 0x3FFF)), ShortType, 1u, (uint)i))];

    /// <summary>A LONG array of <paramref name="count"/> values at <paramref name="offset"/>: far more than the block holds.</summary>
    public static (ushort, ushort, uint, uint) HugeArray(uint count, uint offset) => (0xC5FF, LongType, count, offset);

    /// <summary>A JPEG APP1 segment holding this TIFF block.</summary>
    public static byte[] JpegApp1(byte[] tiff) => UniformJpeg.Segment(0xE1, [.. "Exif\0\0"u8, .. tiff]);
}
