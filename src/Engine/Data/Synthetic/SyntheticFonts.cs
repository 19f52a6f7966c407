using System.Reflection;
using SkiaSharp;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>The typefaces synthetic documents are drawn with.</summary>
public enum FontFace
{
    Sans,
    SansBold,
    Serif,
    Mono,
}

/// <summary>
/// DejaVu typefaces embedded in the engine (Fonts/, licence in Fonts/DejaVu-LICENSE.txt), so documents render
/// identically on a bare machine with no fonts installed and never fall back to whatever the system has.
/// </summary>
public static class SyntheticFonts
{
    private static readonly Lazy<IReadOnlyDictionary<FontFace, SKTypeface>> Typefaces = new(Load);

    public static SKTypeface Typeface(FontFace face) => Typefaces.Value[face];

    private static Dictionary<FontFace, SKTypeface> Load() => new()
    {
        [FontFace.Sans] = FromResource("DejaVuSans.ttf"),
        [FontFace.SansBold] = FromResource("DejaVuSans-Bold.ttf"),
        [FontFace.Serif] = FromResource("DejaVuSerif.ttf"),
        [FontFace.Mono] = FromResource("DejaVuSansMono.ttf"),
    };

    private static SKTypeface FromResource(string fileName)
    {
        var name = "NanoVlm.Engine.Data.Synthetic.Fonts." + fileName;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The engine assembly lacks its embedded font '{name}'.");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"SkiaSharp could not load the embedded font '{name}'.");
    }
}
