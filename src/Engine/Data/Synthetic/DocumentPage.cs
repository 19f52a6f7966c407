namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>Horizontal anchor of a text run.</summary>
public enum TextAlign
{
    Left,
    Center,
    Right,
}

/// <summary>Shapes a logo is drawn as (easy questions ask for them by these names).</summary>
public enum LogoShape
{
    Circle,
    Square,
    Triangle,
}

/// <summary>One drawing instruction of a page, in page pixels (before rotation).</summary>
public abstract record DrawOp;

public sealed record FillRect(float X, float Y, float Width, float Height, NamedColour Colour) : DrawOp;

public sealed record StrokeRect(float X, float Y, float Width, float Height, NamedColour Colour, float Thickness) : DrawOp;

public sealed record DrawLine(float X1, float Y1, float X2, float Y2, NamedColour Colour, float Thickness) : DrawOp;

/// <summary>A run of text; <see cref="Baseline"/> is the y of the baseline, <see cref="X"/> the anchor per <see cref="Align"/>.</summary>
public sealed record DrawText(string Text, float X, float Baseline, FontFace Face, float Size, NamedColour Colour, TextAlign Align) : DrawOp;

/// <summary>A filled shape inside the box.</summary>
public sealed record DrawShape(LogoShape Shape, float X, float Y, float Width, float Height, NamedColour Colour) : DrawOp;

/// <summary>
/// Everything needed to draw a page: size, paper colour, drawing instructions and the scan imperfections (slight
/// rotation and grain, seeded). Rendering it is a pure function of this record.
/// </summary>
public sealed record DocumentPage(
    int Width,
    int Height,
    NamedColour Paper,
    IReadOnlyList<DrawOp> Ops,
    float RotationDegrees,
    int NoiseAmplitude,
    ulong NoiseSeed)
{
    /// <summary>Every text run on the page, in drawing order.</summary>
    public IEnumerable<string> Texts => Ops.OfType<DrawText>().Select(op => op.Text);
}
