using System.Buffers.Binary;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

/// <summary>GIF files block by block, so the logical screen, the frame and what follows can each be made odd.</summary>
internal static class GifBytes
{
    /// <summary>LZW data (minimum code size 2) for one pixel of colour 0: clear, 0, end of information.</summary>
    private static readonly byte[] OnePixel = [0x02, 0x02, 0x44, 0x01, 0x00];

    /// <summary>Header and logical screen descriptor with a two-colour global table (black, white).</summary>
    public static byte[] Header(int screenWidth, int screenHeight)
    {
        var header = new byte[13 + 6];
        "GIF89a"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)screenWidth);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)screenHeight);
        header[10] = 0x80; // global colour table of 2 entries
        header[16] = header[17] = header[18] = 0xFF; // entry 1 white; entry 0 stays black
        return header;
    }

    /// <summary>An image descriptor claiming <paramref name="width"/>×<paramref name="height"/> with one pixel of data.</summary>
    public static byte[] Frame(int width, int height)
    {
        var descriptor = new byte[10];
        descriptor[0] = 0x2C;
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(5), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(7), (ushort)height);
        return [.. descriptor, .. OnePixel];
    }

    public static byte[] Trailer() => [0x3B];
}
