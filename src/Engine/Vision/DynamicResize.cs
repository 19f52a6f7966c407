namespace NanoVlm.Engine.Vision;

/// <summary>
/// The target size of nanoVLM's `DynamicResize`: the long side becomes the maximum (or is rounded up to a
/// tile multiple when not resizing to the maximum), and the short side is scaled by the same factor and
/// rounded UP to a tile multiple, so both sides are whole tiles. Small images are upscaled too.
/// </summary>
public static class DynamicResize
{
    public static (int Height, int Width) TargetSize(int height, int width, ImageProcessorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (height <= 0 || width <= 0)
        {
            throw new ArgumentException($"Image dimensions must be positive; got {width}×{height}.");
        }
        var tile = settings.TileSize;
        var longSide = Math.Max(height, width);
        var shortSide = Math.Min(height, width);
        var targetLong = settings.ResizeToMaxSideLength
            ? settings.MaxImageSize
            : Math.Min(settings.MaxImageSize, CeilToMultiple(longSide, tile));
        var scale = (double)targetLong / longSide;
        var targetShort = Math.Max(tile, (int)Math.Ceiling(shortSide * scale / tile) * tile);
        return height >= width ? (targetLong, targetShort) : (targetShort, targetLong);
    }

    private static int CeilToMultiple(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
