using System.Buffers.Binary;

namespace NanoVlm.Engine.Tests.Vision.HostileFiles;

/// <summary>
/// A hand-written JPEG encoder for images of one colour, for the JPEG flavours ImageSharp cannot write:
/// CMYK and YCCK (Adobe APP14), greyscale, progressive, and headers that lie about the size. Every 8×8 block
/// holds only a DC coefficient (quantisation 1, so DC = 8·(value − 128)) and an end-of-block, which keeps
/// the Huffman tables to a few codes and the output exact.
/// </summary>
internal static class UniformJpeg
{
    /// <summary>Adobe APP14 colour transform: 0 = none (RGB or CMYK), 1 = YCbCr, 2 = YCCK.</summary>
    public static byte[] AdobeSegment(byte transform) =>
        Segment(0xEE, [(byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0x00, 0x64, 0, 0, 0, 0, transform]);

    /// <summary>A marker segment: FF marker, big-endian length (including itself), payload.</summary>
    public static byte[] Segment(byte marker, ReadOnlySpan<byte> payload)
    {
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment.AsSpan(4));
        return segment;
    }

    /// <param name="componentValues">one sample value per component (1 = grey, 3 = YCbCr, 4 = CMYK/YCCK)</param>
    /// <param name="declaredWidth">the width written in the frame header (defaults to the real one)</param>
    public static byte[] Write(int width, int height, byte[] componentValues, bool progressive = false,
        IEnumerable<byte[]>? extraSegments = null, int? declaredWidth = null, int? declaredHeight = null)
    {
        var output = new List<byte> { 0xFF, 0xD8 };
        foreach (var segment in extraSegments ?? [])
        {
            output.AddRange(segment);
        }
        output.AddRange(Segment(0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]));

        var components = componentValues.Length;
        var frame = new List<byte> { 8 };
        frame.AddRange(BigEndian16(declaredHeight ?? height));
        frame.AddRange(BigEndian16(declaredWidth ?? width));
        frame.Add((byte)components);
        for (var c = 0; c < components; c++)
        {
            frame.AddRange([(byte)(c + 1), 0x11, 0x00]);
        }
        output.AddRange(Segment(progressive ? (byte)0xC2 : (byte)0xC0, frame.ToArray()));

        // DC table 0: categories 0..11, each a 4-bit code equal to the category. AC table 0: only end-of-block, code "0".
        byte[] dcTable = [0x00, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        byte[] acTable = [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00];
        output.AddRange(Segment(0xC4, [.. dcTable, .. acTable]));

        var blocks = (width + 7) / 8 * ((height + 7) / 8);
        var dc = componentValues.Select(v => 8 * (v - 128)).ToArray();
        if (!progressive)
        {
            output.AddRange(ScanHeader(Enumerable.Range(0, components), 0, 63));
            output.AddRange(EntropyCoded(bits =>
            {
                var previous = new int[components];
                for (var b = 0; b < blocks; b++)
                {
                    for (var c = 0; c < components; c++)
                    {
                        WriteDc(bits, dc[c] - previous[c]);
                        previous[c] = dc[c];
                        bits.Write(0, 1); // end of block
                    }
                }
            }));
        }
        else
        {
            // First the DC coefficients of all components, then each component's (empty) AC band.
            output.AddRange(ScanHeader(Enumerable.Range(0, components), 0, 0));
            output.AddRange(EntropyCoded(bits =>
            {
                var previous = new int[components];
                for (var b = 0; b < blocks; b++)
                {
                    for (var c = 0; c < components; c++)
                    {
                        WriteDc(bits, dc[c] - previous[c]);
                        previous[c] = dc[c];
                    }
                }
            }));
            for (var c = 0; c < components; c++)
            {
                output.AddRange(ScanHeader([c], 1, 63));
                output.AddRange(EntropyCoded(bits =>
                {
                    for (var b = 0; b < blocks; b++)
                    {
                        bits.Write(0, 1); // EOB0: this block's band is empty
                    }
                }));
            }
        }
        output.AddRange([0xFF, 0xD9]);
        return [.. output];
    }

    private static byte[] ScanHeader(IEnumerable<int> components, byte spectralStart, byte spectralEnd)
    {
        var list = components.ToList();
        var payload = new List<byte> { (byte)list.Count };
        foreach (var c in list)
        {
            payload.AddRange([(byte)(c + 1), 0x00]);
        }
        payload.AddRange([spectralStart, spectralEnd, 0x00]);
        return Segment(0xDA, payload.ToArray());
    }

    private static void WriteDc(BitWriter bits, int difference)
    {
        var magnitude = Math.Abs(difference);
        var category = magnitude == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)magnitude);
        bits.Write(category, 4);
        if (category > 0)
        {
            // Negative differences are sent as their one's complement in `category` bits.
            bits.Write(difference > 0 ? difference : difference + (1 << category) - 1, category);
        }
    }

    private static byte[] EntropyCoded(Action<BitWriter> write)
    {
        var bits = new BitWriter();
        write(bits);
        return bits.Finish();
    }

    private static byte[] BigEndian16(int value) => [(byte)(value >> 8), (byte)value];

    /// <summary>Most-significant bit first, with a 0x00 stuffed after every 0xFF, padded with ones.</summary>
    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _current;
        private int _count;

        public void Write(int value, int length)
        {
            for (var i = length - 1; i >= 0; i--)
            {
                _current = (_current << 1) | ((value >> i) & 1);
                if (++_count == 8)
                {
                    Flush();
                }
            }
        }

        public byte[] Finish()
        {
            while (_count != 0)
            {
                Write(1, 1);
            }
            return [.. _bytes];
        }

        private void Flush()
        {
            _bytes.Add((byte)_current);
            if (_current == 0xFF)
            {
                _bytes.Add(0x00);
            }
            _current = 0;
            _count = 0;
        }
    }
}
