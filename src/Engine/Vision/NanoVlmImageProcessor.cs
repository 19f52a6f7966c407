using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// nanoVLM's image pipeline: bicubic resize to whole tiles (<see cref="DynamicResize"/>), values in [0, 1]
/// (the reference never normalises), row-major tiles, and a global view prepended when there is more
/// than one tile. The global view is an antialiased bilinear resize of the resized float image, as
/// torchvision's resize of a tensor does.
/// </summary>
public sealed class NanoVlmImageProcessor(ImageProcessorSettings settings)
{
    public ImageProcessorSettings Settings { get; } = settings;

    /// <summary>The grid an image of this size will be cut into, without touching pixels.</summary>
    public (int Rows, int Columns) GridFor(int height, int width)
    {
        var (targetHeight, targetWidth) = DynamicResize.TargetSize(height, width, Settings);
        return (targetHeight / Settings.TileSize, targetWidth / Settings.TileSize);
    }

    public ProcessedImage Process(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var tile = Settings.TileSize;
        var (height, width) = DynamicResize.TargetSize(image.Height, image.Width, Settings);
        var rows = height / tile;
        var columns = width / tile;

        using var resized = image.Clone(context => context.Resize(new ResizeOptions
        {
            Size = new SixLabors.ImageSharp.Size(width, height),
            Mode = ResizeMode.Stretch,
            Sampler = KnownResamplers.Bicubic,
        }));

        using var scope = NewDisposeScope();
        var pixels = ToChannelsFirst(resized);                                   // [3, H, W] in [0, 1]
        var tiles = pixels.view(3, rows, tile, columns, tile)                    // [3, nh, S, nw, S]
            .permute(1, 3, 0, 2, 4)                                               // [nh, nw, 3, S, S]
            .reshape(rows * columns, 3, tile, tile);                             // [nh·nw, 3, S, S]
        if (rows * columns > 1)
        {
            var globalView = nn.functional.interpolate(
                pixels.unsqueeze(0), [tile, tile], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true); // [1, 3, S, S]
            tiles = cat([globalView, tiles], 0);                                  // [1 + nh·nw, 3, S, S]
        }
        return new ProcessedImage(tiles.contiguous().MoveToOuterDisposeScope(), rows, columns);
    }

    private static Tensor ToChannelsFirst(Image<Rgb24> image)
    {
        var height = image.Height;
        var width = image.Width;
        var values = new float[3 * height * width];
        var plane = height * width;
        image.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < height; y++)
            {
                var row = accessor.GetRowSpan(y);
                for (var x = 0; x < width; x++)
                {
                    var index = y * width + x;
                    values[index] = row[x].R / 255f;
                    values[plane + index] = row[x].G / 255f;
                    values[2 * plane + index] = row[x].B / 255f;
                }
            }
        });
        return tensor(values, [3, height, width]);
    }
}
