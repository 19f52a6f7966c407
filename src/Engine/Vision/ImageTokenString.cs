using System.Globalization;
using System.Text;

namespace NanoVlm.Engine.Vision;

/// <summary>
/// The placeholder text nanoVLM puts in the prompt for an image (reference `get_image_string`): per image,
/// "&lt;image: k&gt;" when the sample has several, then &lt;|global_image|&gt; and the tile markers
/// &lt;row_r_col_c&gt;, each followed by one &lt;|image|&gt; per image token. The order matches the tile
/// order of <see cref="ProcessedImage"/>, which is what lets the model overwrite placeholders in order.
/// </summary>
public static class ImageTokenString
{
    public const string ImageToken = "<|image|>";
    public const string GlobalImageToken = "<|global_image|>";

    public static string TileToken(int row, int column) =>
        string.Create(CultureInfo.InvariantCulture, $"<row_{row}_col_{column}>");

    public static string Build(IReadOnlyList<(int Rows, int Columns)> grids, int imageTokenLength)
    {
        ArgumentNullException.ThrowIfNull(grids);
        var placeholders = string.Concat(Enumerable.Repeat(ImageToken, imageTokenLength));
        var text = new StringBuilder();
        for (var k = 0; k < grids.Count; k++)
        {
            if (grids.Count > 1)
            {
                text.Append(CultureInfo.InvariantCulture, $"<image: {k}>");
            }
            text.Append(GlobalImageToken).Append(placeholders);
            var (rows, columns) = grids[k];
            if (rows == 1 && columns == 1)
            {
                continue; // the single tile is the global view
            }
            for (var r = 1; r <= rows; r++)
            {
                for (var c = 1; c <= columns; c++)
                {
                    text.Append(TileToken(r, c)).Append(placeholders);
                }
            }
        }
        return text.ToString();
    }

    /// <summary>How many &lt;|image|&gt; placeholders (= image embeddings) a grid costs.</summary>
    public static int PlaceholderCount(int rows, int columns, int imageTokenLength) =>
        (rows * columns > 1 ? rows * columns + 1 : 1) * imageTokenLength;
}
