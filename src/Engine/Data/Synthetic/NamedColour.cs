namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>An sRGB colour with the plain English name questions use for it.</summary>
public readonly record struct NamedColour(string Name, byte R, byte G, byte B)
{
    /// <summary>
    /// Colours far apart in hue and lightness, so that each stays recognisable after noise, JPEG-like blur and a
    /// downscale to a 64 px view. Questions about colours answer with these names only.
    /// </summary>
    public static IReadOnlyList<NamedColour> Palette { get; } =
    [
        new("red", 215, 38, 38),
        new("green", 34, 150, 60),
        new("blue", 35, 85, 215),
        new("orange", 245, 140, 15),
        new("purple", 135, 55, 175),
        new("black", 25, 25, 25),
    ];

    /// <summary>Dark ink colours for body text on light paper.</summary>
    public static IReadOnlyList<NamedColour> Inks { get; } =
    [
        new("black", 20, 20, 20),
        new("dark grey", 60, 60, 66),
        new("navy", 20, 35, 90),
        new("dark brown", 70, 40, 20),
    ];

    public static NamedColour White { get; } = new("white", 255, 255, 255);

    public static NamedColour LightGrey { get; } = new("light grey", 205, 205, 205);

    public static NamedColour MidGrey { get; } = new("grey", 150, 150, 150);

    /// <summary>Mixes toward white by <paramref name="amount"/> (0 = unchanged, 1 = white); for table shading.</summary>
    public NamedColour Tint(double amount, string name) => new(
        name,
        (byte)Math.Round(R + (255 - R) * amount),
        (byte)Math.Round(G + (255 - G) * amount),
        (byte)Math.Round(B + (255 - B) * amount));
}
