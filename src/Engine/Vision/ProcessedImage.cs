using TorchSharp;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// One image as the model sees it: <see cref="PixelValues"/> [N, 3, S, S] in [0, 1], the global view
/// first when the grid has more than one tile, then the tiles row-major.
/// </summary>
public sealed class ProcessedImage(torch.Tensor pixelValues, int gridRows, int gridColumns) : IDisposable
{
    public torch.Tensor PixelValues { get; } = pixelValues;

    public int GridRows { get; } = gridRows;

    public int GridColumns { get; } = gridColumns;

    public bool HasGlobalView => GridRows * GridColumns > 1;

    public int TileCount => (int)PixelValues.shape[0];

    public void Dispose() => PixelValues.Dispose();
}
