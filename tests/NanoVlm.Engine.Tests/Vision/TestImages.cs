using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Vision;

/// <summary>Small images made in the test, encoded with ImageSharp's own encoders.</summary>
internal static class TestImages
{
    /// <summary>Left half <paramref name="left"/>, right half <paramref name="right"/>.</summary>
    public static Image<Rgba32> Halves(int width, int height, Rgba32 left, Rgba32 right)
    {
        var image = new Image<Rgba32>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < width; x++)
                {
                    row[x] = x < width / 2 ? left : right;
                }
            }
        });
        return image;
    }

    public static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>A valid 1×1 PNG whose header claims other dimensions (CRC fixed, so only the size is odd).</summary>
    public static byte[] PngClaimingSize(int width, int height)
    {
        using var tiny = new Image<Rgba32>(1, 1);
        var png = Encode(tiny, new SixLabors.ImageSharp.Formats.Png.PngEncoder());
        // IHDR data starts at 16: width (4, big-endian), height (4); CRC over type+data at 29.
        WriteBigEndian(png, 16, (uint)width);
        WriteBigEndian(png, 20, (uint)height);
        WriteBigEndian(png, 29, Crc32(png.AsSpan(12, 17)));
        return png;
    }

    private static void WriteBigEndian(byte[] buffer, int offset, uint value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(offset), value);

    private static uint Crc32(ReadOnlySpan<byte> data)
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
