using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace NanoVlm.Server.Playground;

/// <summary>Small PNG data URLs for previews and history thumbnails.</summary>
public static class PreviewImages
{
    public static string DataUrl(Image<Rgb24> image, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(image);
        var scale = Math.Min(1.0, (double)maxSide / Math.Max(image.Width, image.Height));
        using var small = image.Clone(context => context.Resize(Math.Max(1, (int)(image.Width * scale)), Math.Max(1, (int)(image.Height * scale))));
        using var stream = new MemoryStream();
        // Plain 8-bit RGB: left to itself the encoder copies the upload's PNG settings, and re-quantising to a
        // palette takes about 57 MB of buffers, more than the decoder's allocation limit may allow.
        small.Save(stream, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        return "data:image/png;base64," + Convert.ToBase64String(stream.ToArray());
    }
}
