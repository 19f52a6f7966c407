using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Data.Collation;

/// <summary>Small encoder settings and samples whose token counts are easy to work out by hand.</summary>
internal static class CollationFixtures
{
    /// <summary>64 px tiles, long side up to 128 px: a 128×128 image is a 2×2 grid plus the global view.</summary>
    public static readonly ImageProcessorSettings SmallTiles = new(TileSize: 64, MaxImageSize: 128, ResizeToMaxSideLength: false);

    /// <summary>Four placeholders per tile, so a 2×2 grid costs 5 markers + 5·4 placeholders = 25 tokens.</summary>
    public const int PlaceholdersPerTile = 4;

    public static NanoVlmTokenizer Tokenizer => BuiltInTokenizers.NanoVlmGpt2();

    public static SampleEncoder Encoder(int maxLength, int minQuestionTokens = 4, PaddingLength padding = PaddingLength.Longest) =>
        new(Tokenizer, SmallTiles, PlaceholdersPerTile, new CollatorOptions(maxLength, padding, minQuestionTokens));

    public static VqaImage Solid(int width, int height, Rgb24 colour) =>
        new(width, height, () => new Image<Rgb24>(width, height, colour));

    public static VqaSample Sample(string id, VqaImage image, params (string Question, string Answer)[] turns) =>
        VqaSample.WithImage(id, image, turns.Select(t => new VqaTurn(t.Question, t.Answer)).ToArray());

    public static VqaSample Page(string id, params (string Question, string Answer)[] turns) =>
        Sample(id, Solid(128, 128, new Rgb24(200, 30, 30)), turns);

    /// <summary>"a a a ..." is one GPT-2 token per word.</summary>
    public static string Words(int count) => string.Join(' ', Enumerable.Repeat("a", count));
}
