using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

/// <summary>Writes PNG files chunk by chunk, so a test can say exactly which chunk is odd.</summary>
internal static class PngBytes
{
    public static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Colour type 0 (grey), 2 (RGB), 3 (palette), 4 (grey+alpha), 6 (RGBA).</summary>
    public static byte[] Ihdr(uint width, uint height, byte bitDepth, byte colourType, byte interlace = 0)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(data, width);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), height);
        data[8] = bitDepth;
        data[9] = colourType;
        data[12] = interlace;
        return Chunk("IHDR", data);
    }

    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public static byte[] Iend() => Chunk("IEND", []);

    public static byte[] File(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];

    /// <summary>An 8-bit greyscale image of one shade, filter byte 0 on every row, deflated: tiny for any size.</summary>
    public static byte[] SingleShadeIdat(int width, int height, byte shade)
    {
        var row = new byte[width + 1];
        Array.Fill(row, shade, 1, width);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }
        return Chunk("IDAT", compressed.ToArray());
    }

    /// <summary>A single-shade greyscale PNG of any size, as small as deflate makes it.</summary>
    public static byte[] SingleShade(int width, int height, byte shade) =>
        File(Ihdr((uint)width, (uint)height, 8, 0), SingleShadeIdat(width, height, shade), Iend());

    /// <summary><paramref name="count"/> copies of <paramref name="value"/>, zlib-compressed (a metadata bomb's payload).</summary>
    public static byte[] Zlib(byte value, long count)
    {
        var block = new byte[1 << 16];
        Array.Fill(block, value);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (var written = 0L; written < count; written += block.Length)
            {
                zlib.Write(block, 0, (int)Math.Min(block.Length, count - written));
            }
        }
        return compressed.ToArray();
    }

    /// <summary>The offset of the first chunk of this type (its length field), or -1.</summary>
    public static int FindChunk(byte[] png, string type)
    {
        var name = Encoding.ASCII.GetBytes(type);
        for (var offset = 8; offset + 8 <= png.Length;)
        {
            if (png.AsSpan(offset + 4, 4).SequenceEqual(name))
            {
                return offset;
            }
            offset += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
        }
        return -1;
    }

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }
}
