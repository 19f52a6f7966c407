using System.Buffers.Binary;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

/// <summary>24-bit BMP files with every header field under the test's control.</summary>
internal static class BmpBytes
{
    private const int HeadersSize = 14 + 40;

    /// <summary>
    /// Rows are given top to bottom; a positive <paramref name="declaredHeight"/> stores them bottom-up (the usual
    /// layout), a negative one top-down. <paramref name="declaredFileSize"/> null writes the true size.
    /// </summary>
    public static byte[] Write(int width, int declaredHeight, Func<int, int, (byte R, byte G, byte B)> pixel, int rowCount,
        uint? declaredFileSize = null)
    {
        // The pixel rows are laid out for |width| (a negative width is a lie the header tells, not a layout).
        var columns = Math.Abs(width);
        var stride = (columns * 3 + 3) / 4 * 4;
        var bytes = new byte[HeadersSize + stride * rowCount];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(2), declaredFileSize ?? (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(10), HeadersSize);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), declaredHeight);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(28), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(34), (uint)(stride * rowCount));
        for (var row = 0; row < rowCount; row++)
        {
            var y = declaredHeight < 0 ? row : rowCount - 1 - row;
            for (var x = 0; x < columns; x++)
            {
                var (r, g, b) = pixel(x, y);
                var offset = HeadersSize + row * stride + x * 3;
                bytes[offset] = b;
                bytes[offset + 1] = g;
                bytes[offset + 2] = r;
            }
        }
        return bytes;
    }
}
