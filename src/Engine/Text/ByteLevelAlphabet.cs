using System.Text;

namespace NanoVlm.Engine.Text;

/// <summary>
/// GPT-2's reversible byte ↔ character table: every byte becomes a printable character so that BPE
/// can work on text while covering all 256 byte values. Printable Latin-1 bytes map to themselves;
/// the other 68 (controls, space, 0x7F–0xA0, 0xAD) map to U+0100 + n in byte order.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByteTable = BuildCharToByte(ByteToCharTable);

    /// <summary>The stand-in character of <paramref name="value"/>.</summary>
    public static char ByteToChar(byte value) => ByteToCharTable[value];

    /// <summary>The byte a stand-in character represents, or false when it is not one of the 256.</summary>
    public static bool TryCharToByte(char c, out byte value) => CharToByteTable.TryGetValue(c, out value);

    /// <summary>UTF-8 encodes <paramref name="text"/> and spells each byte with its stand-in character.</summary>
    public static string Encode(string text)
    {
        // Encoding.UTF8 turns a lone surrogate into U+FFFD's bytes, as a Rust String could never hold one.
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (chars, source) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = ByteToCharTable[source[i]];
            }
        });
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var printable = new bool[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            table[b] = printable[b] ? (char)b : (char)(256 + next++);
        }
        return table;
    }

    private static Dictionary<char, byte> BuildCharToByte(char[] byteToChar)
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
        {
            map[byteToChar[b]] = (byte)b;
        }
        return map;
    }
}
