using SkiaSharp;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// Text widths with the same fonts the renderer draws with, so layouts can wrap, align and fit text. Fonts are
/// cached per thread (an <see cref="SKFont"/> is not safe to share between threads).
/// </summary>
internal static class TextMeasure
{
    [ThreadStatic]
    private static Dictionary<(FontFace, float), SKFont>? t_fonts;

    public static SKFont Font(FontFace face, float size)
    {
        t_fonts ??= [];
        if (!t_fonts.TryGetValue((face, size), out var font))
        {
            font = new SKFont(SyntheticFonts.Typeface(face), size)
            {
                Edging = SKFontEdging.Antialias,
                Hinting = SKFontHinting.None,
                Subpixel = false,
            };
            t_fonts[(face, size)] = font;
        }
        return font;
    }

    public static float Width(string text, FontFace face, float size) => Font(face, size).MeasureText(text);

    /// <summary>Distance from the top of a line to its baseline (the font's ascent).</summary>
    public static float Ascent(FontFace face, float size) => -Font(face, size).Metrics.Ascent;

    /// <summary>Greedy word wrap into lines no wider than <paramref name="maxWidth"/> (a word longer than that gets a line of its own).</summary>
    public static List<string> Wrap(string text, FontFace face, float size, float maxWidth)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (current.Length > 0 && Width(candidate, face, size) > maxWidth)
            {
                lines.Add(current);
                current = word;
            }
            else
            {
                current = candidate;
            }
        }
        if (current.Length > 0) lines.Add(current);
        return lines;
    }
}
