using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// Draws a <see cref="DocumentPage"/> with SkiaSharp on the CPU: paper, then the instructions rotated about the
/// page centre, then seeded scanner grain. Straight to pixels (<see cref="Render"/>) for training; PNG only for files.
/// </summary>
public static class PageRenderer
{
    /// <summary>The page as RGB pixels; the caller disposes the image.</summary>
    public static Image<Rgb24> Render(DocumentPage page)
    {
        using var bitmap = RenderBitmap(page);
        using var rgba = Image.LoadPixelData<Rgba32>(bitmap.GetPixelSpan(), page.Width, page.Height);
        return rgba.CloneAs<Rgb24>();
    }

    /// <summary>
    /// The page as PNG bytes, encoded by Skia (much faster than ImageSharp's encoder on grainy pages). Skia writes
    /// no time stamp, so identical pages give identical bytes.
    /// </summary>
    public static byte[] EncodePng(DocumentPage page)
    {
        using var bitmap = RenderBitmap(page);
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, zLibLevel: 3))
            ?? throw new InvalidOperationException("SkiaSharp could not encode the page as PNG.");
        return data.ToArray();
    }

    private static SKBitmap RenderBitmap(DocumentPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var info = new SKImageInfo(page.Width, page.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var bitmap = new SKBitmap(info);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(ToSk(page.Paper));
        canvas.Translate(page.Width / 2f, page.Height / 2f);
        canvas.RotateDegrees(page.RotationDegrees);
        canvas.Translate(-page.Width / 2f, -page.Height / 2f);
        using (var paint = new SKPaint { IsAntialias = true })
        {
            foreach (var op in page.Ops)
            {
                Draw(canvas, paint, op);
            }
        }
        DrawNoise(canvas, page);
        canvas.Flush();
        return bitmap;
    }

    private static void Draw(SKCanvas canvas, SKPaint paint, DrawOp op)
    {
        switch (op)
        {
            case FillRect fill:
                paint.Style = SKPaintStyle.Fill;
                paint.Color = ToSk(fill.Colour);
                canvas.DrawRect(fill.X, fill.Y, fill.Width, fill.Height, paint);
                break;
            case StrokeRect stroke:
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = stroke.Thickness;
                paint.Color = ToSk(stroke.Colour);
                canvas.DrawRect(stroke.X, stroke.Y, stroke.Width, stroke.Height, paint);
                break;
            case DrawLine line:
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = line.Thickness;
                paint.Color = ToSk(line.Colour);
                canvas.DrawLine(line.X1, line.Y1, line.X2, line.Y2, paint);
                break;
            case DrawText text:
                paint.Style = SKPaintStyle.Fill;
                paint.Color = ToSk(text.Colour);
                canvas.DrawText(text.Text, text.X, text.Baseline, ToSk(text.Align), TextMeasure.Font(text.Face, text.Size), paint);
                break;
            case DrawShape shape:
                paint.Style = SKPaintStyle.Fill;
                paint.Color = ToSk(shape.Colour);
                DrawLogo(canvas, paint, shape);
                break;
            default:
                throw new NotSupportedException($"No renderer for {op.GetType().Name}.");
        }
    }

    private static void DrawLogo(SKCanvas canvas, SKPaint paint, DrawShape shape)
    {
        switch (shape.Shape)
        {
            case LogoShape.Circle:
                canvas.DrawOval(new SKRect(shape.X, shape.Y, shape.X + shape.Width, shape.Y + shape.Height), paint);
                break;
            case LogoShape.Square:
                canvas.DrawRect(shape.X, shape.Y, shape.Width, shape.Height, paint);
                break;
            case LogoShape.Triangle:
                using (var path = new SKPath())
                {
                    path.MoveTo(shape.X + shape.Width / 2, shape.Y);
                    path.LineTo(shape.X + shape.Width, shape.Y + shape.Height);
                    path.LineTo(shape.X, shape.Y + shape.Height);
                    path.Close();
                    canvas.DrawPath(path, paint);
                }
                break;
            default:
                throw new NotSupportedException($"No renderer for logo shape {shape.Shape}.");
        }
    }

    /// <summary>
    /// Scanner-like grain: a fixed 256 px tile of random black and white specks, repeated over the page at an
    /// offset drawn from the page's noise seed and blended at <see cref="DocumentPage.NoiseAmplitude"/>. Drawing it
    /// is one native pass, far cheaper than per-pixel noise in managed code.
    /// </summary>
    private static void DrawNoise(SKCanvas canvas, DocumentPage page)
    {
        if (page.NoiseAmplitude <= 0) return;
        var offset = new DeterministicRandom(page.NoiseSeed);
        using var shader = NoiseTile.Value.ToShader(SKShaderTileMode.Repeat, SKShaderTileMode.Repeat,
            SKMatrix.CreateTranslation(-offset.Next(NoiseTileSize), -offset.Next(NoiseTileSize)));
        // Tile alpha is |v|·255 for v uniform in [−1, 1]; the paint alpha scales it so the largest change is about
        // the amplitude in 8-bit levels.
        using var paint = new SKPaint { Shader = shader, Color = new SKColor(255, 255, 255, (byte)Math.Min(255, page.NoiseAmplitude * 2)) };
        canvas.ResetMatrix();
        canvas.DrawRect(0, 0, page.Width, page.Height, paint);
    }

    private const int NoiseTileSize = 256;

    private static readonly Lazy<SKImage> NoiseTile = new(() =>
    {
        var random = new DeterministicRandom(0x6E6F697365UL); // fixed: the grain is part of the format
        var pixels = new byte[NoiseTileSize * NoiseTileSize * 4];
        for (var p = 0; p < pixels.Length; p += 4)
        {
            var value = random.Between(-1.0, 1.0);
            var alpha = (byte)Math.Round(Math.Abs(value) * 255);
            var level = value > 0 ? alpha : (byte)0; // premultiplied white or black
            pixels[p] = pixels[p + 1] = pixels[p + 2] = level;
            pixels[p + 3] = alpha;
        }
        var info = new SKImageInfo(NoiseTileSize, NoiseTileSize, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var data = SKData.CreateCopy(pixels);
        return SKImage.FromPixels(info, data, info.RowBytes);
    });

    private static SKColor ToSk(NamedColour colour) => new(colour.R, colour.G, colour.B);

    private static SKTextAlign ToSk(TextAlign align) => align switch
    {
        TextAlign.Left => SKTextAlign.Left,
        TextAlign.Center => SKTextAlign.Center,
        TextAlign.Right => SKTextAlign.Right,
        _ => throw new ArgumentOutOfRangeException(nameof(align), align, null),
    };
}
