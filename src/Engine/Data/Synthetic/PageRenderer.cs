using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// Draws a <see cref="DocumentPage"/> with SkiaSharp on the CPU: paper, then the instructions rotated about the
/// page centre, then seeded pixel noise. Straight to pixels (<see cref="Render"/>) for training; PNG only for files.
/// </summary>
public static class PageRenderer
{
    private static readonly PngEncoder Png = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        CompressionLevel = PngCompressionLevel.DefaultCompression,
        // No time stamps or other metadata: the same page must give the same bytes.
        ChunkFilter = PngChunkFilter.ExcludeAll,
    };

    /// <summary>The page as RGB pixels; the caller disposes the image.</summary>
    public static Image<Rgb24> Render(DocumentPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var info = new SKImageInfo(page.Width, page.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(ToSk(page.Paper));
            canvas.Translate(page.Width / 2f, page.Height / 2f);
            canvas.RotateDegrees(page.RotationDegrees);
            canvas.Translate(-page.Width / 2f, -page.Height / 2f);
            using var paint = new SKPaint { IsAntialias = true };
            foreach (var op in page.Ops)
            {
                Draw(canvas, paint, op);
            }
            canvas.Flush();
        }
        return ToImage(bitmap.GetPixelSpan(), page);
    }

    /// <summary>The page as PNG bytes (RGB, 8 bit, no metadata: identical pages give identical bytes).</summary>
    public static byte[] EncodePng(DocumentPage page)
    {
        using var image = Render(page);
        using var stream = new MemoryStream();
        image.Save(stream, Png);
        return stream.ToArray();
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

    /// <summary>RGBA → RGB with uniform noise in ±amplitude per channel, from a per-page xorshift stream.</summary>
    private static Image<Rgb24> ToImage(ReadOnlySpan<byte> rgba, DocumentPage page)
    {
        var rgb = new byte[page.Width * page.Height * 3];
        var amplitude = page.NoiseAmplitude;
        var span = 2 * amplitude + 1;
        var state = (uint)(page.NoiseSeed ^ (page.NoiseSeed >> 32)) | 1u;
        for (int p = 0, q = 0; p < rgba.Length; p += 4, q += 3)
        {
            for (var c = 0; c < 3; c++)
            {
                int value = rgba[p + c];
                if (amplitude > 0)
                {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    value += (int)(state % (uint)span) - amplitude;
                }
                rgb[q + c] = (byte)Math.Clamp(value, 0, 255);
            }
        }
        return Image.LoadPixelData<Rgb24>(rgb, page.Width, page.Height);
    }

    private static SKColor ToSk(NamedColour colour) => new(colour.R, colour.G, colour.B);

    private static SKTextAlign ToSk(TextAlign align) => align switch
    {
        TextAlign.Left => SKTextAlign.Left,
        TextAlign.Center => SKTextAlign.Center,
        TextAlign.Right => SKTextAlign.Right,
        _ => throw new ArgumentOutOfRangeException(nameof(align), align, null),
    };
}
