namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// Page size, type sizes and scan imperfections for one document, drawn from its difficulty's ranges. Medium pages
/// have a few fields in large print; hard pages are dense and small, like a scanned DocVQA page.
/// </summary>
internal sealed record DocumentStyle(
    int Width,
    int Height,
    float Margin,
    float BodySize,
    float TitleSize,
    FontFace BodyFace,
    NamedColour Ink,
    NamedColour Accent,
    NamedColour Paper,
    int DateStyle,
    bool Dense,
    float RotationDegrees,
    int NoiseAmplitude)
{
    public float Line => PageBuilder.LineHeight(BodySize);

    public float ContentWidth => Width - 2 * Margin;

    /// <summary>Portrait pages for most kinds; receipts are narrow.</summary>
    public static (int Width, int Height) PageSize(SyntheticDifficulty difficulty, DocumentKind kind) => difficulty switch
    {
        SyntheticDifficulty.Easy => (128, 128),
        SyntheticDifficulty.Medium => kind == DocumentKind.Receipt ? (256, 512) : (384, 512),
        SyntheticDifficulty.Hard => kind == DocumentKind.Receipt ? (384, 1024) : (768, 1024),
        _ => throw new ArgumentOutOfRangeException(nameof(difficulty), difficulty, null),
    };

    public static DocumentStyle Draw(SyntheticDifficulty difficulty, DocumentKind kind, DeterministicRandom random)
    {
        var (width, height) = PageSize(difficulty, kind);
        var paper = DrawPaper(random);
        var ink = random.Pick(NamedColour.Inks);
        var accent = random.Pick(NamedColour.Palette);
        var dateStyle = random.Next(3);
        return difficulty switch
        {
            SyntheticDifficulty.Easy => new DocumentStyle(
                width, height, 6, 10, 11, FontFace.SansBold, ink, accent, paper, dateStyle, Dense: false,
                RotationDegrees: (float)random.Between(-2.0, 2.0), NoiseAmplitude: 6),
            SyntheticDifficulty.Medium => new DocumentStyle(
                width, height, 22, random.Between(20, 26), random.Between(28, 34), random.Pick(BodyFaces), ink, accent, paper,
                dateStyle, Dense: false, RotationDegrees: (float)random.Between(-1.5, 1.5), NoiseAmplitude: 8),
            SyntheticDifficulty.Hard => new DocumentStyle(
                width, height, random.Between(36, 56), random.Between(10, 14), random.Between(20, 28), random.Pick(BodyFaces), ink,
                accent, paper, dateStyle, Dense: true, RotationDegrees: (float)random.Between(-1.0, 1.0), NoiseAmplitude: 10),
            _ => throw new ArgumentOutOfRangeException(nameof(difficulty), difficulty, null),
        };
    }

    private static readonly FontFace[] BodyFaces = [FontFace.Sans, FontFace.Serif, FontFace.Mono];

    private static NamedColour DrawPaper(DeterministicRandom random)
    {
        // White to slightly yellowed paper.
        var r = (byte)random.Between(242, 255);
        var g = (byte)random.Between(238, r);
        var b = (byte)random.Between(225, g);
        return new NamedColour("paper", r, g, b);
    }
}
