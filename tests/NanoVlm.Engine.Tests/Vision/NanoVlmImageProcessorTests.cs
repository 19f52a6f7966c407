using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Vision;

public sealed class NanoVlmImageProcessorTests
{
    private static readonly ImageProcessorSettings Reference = new(TileSize: 512, MaxImageSize: 2048, ResizeToMaxSideLength: true);

    [Theory]
    // Examples from the reference's behaviour (spec §3.1): every image's long side becomes 2048.
    [InlineData(2200, 1700, 2048, 2048)] // a DocVQA page
    [InlineData(2000, 800, 2048, 1024)]  // a tall receipt
    [InlineData(100, 100, 2048, 2048)]   // small images are upscaled
    [InlineData(500, 3000, 512, 2048)]   // a wide strip keeps at least one tile of height
    public void TargetSizeMatchesTheReference(int height, int width, int expectedHeight, int expectedWidth) =>
        Assert.Equal((expectedHeight, expectedWidth), DynamicResize.TargetSize(height, width, Reference));

    [Fact]
    public void WithoutResizeToMaxTheLongSideRoundsUpToWholeTiles()
    {
        var settings = Reference with { ResizeToMaxSideLength = false };
        Assert.Equal((512, 1024), DynamicResize.TargetSize(300, 600, settings));
        Assert.Equal((2048, 512), DynamicResize.TargetSize(5000, 400, settings));
    }

    [Fact]
    public void TilesAreRowMajorAfterAGlobalViewAndInUnitRange()
    {
        var processor = new NanoVlmImageProcessor(new ImageProcessorSettings(16, 32, true));
        using var image = new Image<Rgb24>(40, 20);
        for (var y = 0; y < 20; y++)
        {
            for (var x = 0; x < 40; x++)
            {
                image[x, y] = x < 20 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255);
            }
        }
        using var processed = processor.Process(image);
        Assert.Equal((1, 2), (processed.GridRows, processed.GridColumns));
        Assert.Equal(new long[] { 3, 3, 16, 16 }, processed.PixelValues.shape);
        Assert.True(processed.PixelValues.min().item<float>() >= 0f && processed.PixelValues.max().item<float>() <= 1f);
        // Tile 1 (after the global view) is the left half: red; tile 2 is blue.
        Assert.Equal(1f, processed.PixelValues[1, 0].mean().item<float>(), 2);
        Assert.Equal(0f, processed.PixelValues[1, 2].mean().item<float>(), 2);
        Assert.Equal(1f, processed.PixelValues[2, 2].mean().item<float>(), 2);
        // The global view squeezes both halves into one tile: half red on average.
        Assert.Equal(0.5f, processed.PixelValues[0, 0].mean().item<float>(), 1);
    }

    [Fact]
    public void SingleTileGridHasNoExtraGlobalView()
    {
        var processor = new NanoVlmImageProcessor(new ImageProcessorSettings(16, 16, true));
        using var image = new Image<Rgb24>(10, 10, new Rgb24(0, 255, 0));
        using var processed = processor.Process(image);
        Assert.False(processed.HasGlobalView);
        Assert.Equal(new long[] { 1, 3, 16, 16 }, processed.PixelValues.shape);
    }

    [Fact]
    public void ImageStringHasOnePlaceholderPerImageEmbeddingInTileOrder()
    {
        var text = ImageTokenString.Build([(2, 2)], imageTokenLength: 4);
        Assert.StartsWith("<|global_image|><|image|>", text, StringComparison.Ordinal);
        Assert.Equal(ImageTokenString.PlaceholderCount(2, 2, 4), CountOf(text, ImageTokenString.ImageToken));
        Assert.True(text.IndexOf("<row_1_col_2>", StringComparison.Ordinal) < text.IndexOf("<row_2_col_1>", StringComparison.Ordinal));

        var single = ImageTokenString.Build([(1, 1)], imageTokenLength: 4);
        Assert.Equal("<|global_image|>" + string.Concat(Enumerable.Repeat("<|image|>", 4)), single);

        var two = ImageTokenString.Build([(1, 1), (1, 2)], imageTokenLength: 1);
        Assert.StartsWith("<image: 0><|global_image|>", two, StringComparison.Ordinal);
        Assert.Contains("<image: 1><|global_image|><|image|><row_1_col_1>", two, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string token)
    {
        var count = 0;
        for (var i = text.IndexOf(token, StringComparison.Ordinal); i >= 0; i = text.IndexOf(token, i + token.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
