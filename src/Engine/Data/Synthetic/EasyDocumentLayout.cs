using System.Globalization;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// A schematic 128 px page for <see cref="SyntheticDifficulty.Easy"/>: a 40–44 px logo (circle, square or triangle) in
/// one corner, a 28–32 px coloured header band across the middle with the document kind in white capitals, and 1–5
/// grey rows in the strip opposite the logo. Every feature is large, so colours, counts and positions survive the
/// downscale to a 64 px view. The questions ask for those facts with one fixed wording each, and the answers come
/// from a vocabulary of 23 words.
/// </summary>
internal static class EasyDocumentLayout
{
    public const int MaxRows = 5;

    public static readonly string[] Corners = ["top left", "top right", "bottom left", "bottom right"];

    public static (PageBuilder Page, List<SyntheticQuestion> Questions) Build(DocumentKind kind, DocumentStyle style, DeterministicRandom random)
    {
        var page = new PageBuilder(style.Width, style.Height);
        var margin = style.Margin;

        var headerColour = random.Pick(NamedColour.Palette);
        var logoColour = random.Pick(NamedColour.Palette.Where(c => c != headerColour).ToArray());
        var shape = (LogoShape)random.Next(3);
        var corner = random.Next(4);
        var rows = random.Between(1, MaxRows);

        // Three horizontal zones, each at least one 32 px image-token row tall once the page is seen as one 64 px view:
        // the logo's strip (top or bottom, with the logo in its corner), the header band in the middle, and the
        // rows in the other strip. Big, separate features are what a model trained from scratch for minutes can read.
        var logoSize = random.Between(40, 44);
        var logoOnTop = corner < 2;
        var logoX = corner % 2 == 0 ? margin : style.Width - margin - logoSize;
        var logoY = logoOnTop ? margin : style.Height - margin - logoSize;
        page.Shape(shape, logoX, logoY, logoSize, logoSize, logoColour);

        // Header band across the middle, with the kind in white.
        var bandHeight = random.Between(28, 32);
        var bandTop = (style.Height - bandHeight) / 2 + random.Between(-2, 2);
        page.Fill(margin, bandTop, style.Width - 2 * margin, bandHeight, headerColour);
        var title = KindName(kind).ToUpperInvariant();
        var titleSize = PageBuilder.Fit(title, FontFace.SansBold, 14, style.Width - 2 * margin - 8);
        page.Text(title, style.Width / 2f, bandTop + (bandHeight - PageBuilder.LineHeight(titleSize)) / 2 + 1, FontFace.SansBold, titleSize,
            NamedColour.White, TextAlign.Center);

        // Rows: grey bars 6 px tall with 2 px gaps and of varied length, in the strip without the logo.
        const int rowHeight = 6;
        const int gap = 2;
        var stripTop = logoOnTop ? bandTop + bandHeight + 4 : margin;
        var stripBottom = logoOnTop ? style.Height - margin : bandTop - 4;
        var rowTop = stripTop + (stripBottom - stripTop - (rows * rowHeight + (rows - 1) * gap)) / 2f;
        var rowColour = NamedColour.MidGrey.Tint(random.Between(0.0, 0.2), "grey");
        for (var r = 0; r < rows; r++)
        {
            var length = (float)random.Between(0.55, 1.0) * (style.Width - 2 * margin);
            page.Fill(margin, rowTop + r * (rowHeight + gap), length, rowHeight, rowColour);
        }

        List<SyntheticQuestion> questions =
        [
            SyntheticQuestion.Of("What colour is the header?", headerColour.Name, QuestionTypes.Layout),
            SyntheticQuestion.Of("What colour is the logo?", logoColour.Name, QuestionTypes.Figure),
            SyntheticQuestion.Of("Which corner holds the logo?", Corners[corner], QuestionTypes.Layout),
            SyntheticQuestion.Of("What shape is the logo?", shape.ToString().ToLowerInvariant(), QuestionTypes.Figure),
            SyntheticQuestion.Of("How many rows are there?", rows.ToString(CultureInfo.InvariantCulture), QuestionTypes.TableList),
            SyntheticQuestion.Of("What kind of document is this?", KindName(kind), QuestionTypes.Layout),
        ];
        return (page, questions);
    }

    public static string KindName(DocumentKind kind) => kind.ToString().ToLowerInvariant();
}
