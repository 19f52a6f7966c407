namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// Collects drawing instructions for one page, measuring text with the renderer's fonts so that layouts can align,
/// wrap and fit it. Coordinates are page pixels; "top" arguments are the top of a text line.
/// </summary>
internal sealed class PageBuilder(int width, int height)
{
    private readonly List<DrawOp> _ops = [];

    public int Width { get; } = width;

    public int Height { get; } = height;

    /// <summary>Draws one line of text whose top is at <paramref name="top"/>; returns the y just below it.</summary>
    public float Text(string text, float x, float top, FontFace face, float size, NamedColour colour, TextAlign align = TextAlign.Left)
    {
        var baseline = top + TextMeasure.Ascent(face, size);
        _ops.Add(new DrawText(text, x, baseline, face, size, colour, align));
        return top + LineHeight(size);
    }

    /// <summary>Word-wrapped text; returns the y just below the last line.</summary>
    public float Paragraph(string text, float x, float top, float maxWidth, FontFace face, float size, NamedColour colour)
    {
        var y = top;
        foreach (var line in TextMeasure.Wrap(text, face, size, maxWidth))
        {
            y = Text(line, x, y, face, size, colour);
        }
        return y;
    }

    public void Fill(float x, float y, float width, float height, NamedColour colour) =>
        _ops.Add(new FillRect(x, y, width, height, colour));

    public void Stroke(float x, float y, float width, float height, NamedColour colour, float thickness = 1) =>
        _ops.Add(new StrokeRect(x, y, width, height, colour, thickness));

    public void Line(float x1, float y1, float x2, float y2, NamedColour colour, float thickness = 1) =>
        _ops.Add(new DrawLine(x1, y1, x2, y2, colour, thickness));

    public void Shape(LogoShape shape, float x, float y, float width, float height, NamedColour colour) =>
        _ops.Add(new DrawShape(shape, x, y, width, height, colour));

    /// <summary>The largest size ≤ <paramref name="size"/> (down to 60 % of it) at which the text fits the width.</summary>
    public static float Fit(string text, FontFace face, float size, float maxWidth)
    {
        var fitted = size;
        while (fitted > size * 0.6f && TextMeasure.Width(text, face, fitted) > maxWidth)
        {
            fitted -= 0.5f;
        }
        return fitted;
    }

    public static float LineHeight(float size) => MathF.Ceiling(size * 1.3f);

    public DocumentPage Build(NamedColour paper, float rotationDegrees, int noiseAmplitude, ulong noiseSeed) =>
        new(Width, Height, paper, _ops.ToArray(), rotationDegrees, noiseAmplitude, noiseSeed);
}
