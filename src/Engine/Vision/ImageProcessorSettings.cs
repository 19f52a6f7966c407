namespace NanoVlm.Engine.Vision;

/// <summary>
/// The reference processor's parameters (nanoVLM `get_image_processor`): tiles are the ViT's input size,
/// the long side is resized to at most <see cref="MaxImageSize"/>.
/// </summary>
public sealed record ImageProcessorSettings(int TileSize, int MaxImageSize, bool ResizeToMaxSideLength)
{
    public void Validate()
    {
        if (TileSize <= 0)
        {
            throw new ArgumentException($"The tile size (vit_img_size) must be positive; got {TileSize}.");
        }
        if (MaxImageSize < TileSize)
        {
            throw new ArgumentException($"max_img_size ({MaxImageSize}) must be at least the tile size ({TileSize}).");
        }
    }
}
