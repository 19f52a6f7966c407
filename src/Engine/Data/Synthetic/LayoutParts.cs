namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>Pieces several document kinds share: a letterhead, label–value lines and ruled tables.</summary>
internal static class LayoutParts
{
    /// <summary>Logo on the left or right, company name beside it, address below; returns the y below the block.</summary>
    public static float Letterhead(PageBuilder page, DocumentStyle style, DeterministicRandom random, string company, string street, string city)
    {
        var logoSize = style.BodySize * 2.6f;
        var logoLeft = random.Chance(0.5);
        var logoX = logoLeft ? style.Margin : page.Width - style.Margin - logoSize;
        page.Shape((LogoShape)random.Next(3), logoX, style.Margin, logoSize, logoSize, style.Accent);
        var textX = logoLeft ? style.Margin + logoSize + style.BodySize : style.Margin;
        var nameSize = PageBuilder.Fit(company, FontFace.SansBold, style.BodySize * 1.4f, page.Width - 2 * style.Margin - logoSize - style.BodySize);
        var y = page.Text(company, textX, style.Margin, FontFace.SansBold, nameSize, style.Ink);
        var small = style.BodySize * 0.9f;
        y = page.Text(street, textX, y, style.BodyFace, small, style.Ink);
        y = page.Text(city, textX, y, style.BodyFace, small, style.Ink);
        return Math.Max(y, style.Margin + logoSize) + style.Line;
    }

    /// <summary>"Label:" in bold then the value; returns the y below the line.</summary>
    public static float LabelValue(PageBuilder page, DocumentStyle style, float x, float top, string label, string value, float size)
    {
        var labelText = label + ":";
        page.Text(labelText, x, top, FontFace.SansBold, size, style.Ink);
        var valueX = x + TextMeasure.Width(labelText, FontFace.SansBold, size) + size * 0.5f;
        return page.Text(value, valueX, top, style.BodyFace, size, style.Ink);
    }

    /// <summary>
    /// A table with a shaded header row and rules; column widths are fractions of <paramref name="width"/>; numeric
    /// columns are right-aligned. Returns the y below the table.
    /// </summary>
    public static float Table(
        PageBuilder page, DocumentStyle style, float x, float top, float width,
        IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, IReadOnlyList<float> fractions,
        IReadOnlyList<bool> rightAligned, bool shadeAlternateRows)
    {
        var size = style.BodySize;
        var rowHeight = PageBuilder.LineHeight(size) + size * 0.4f;
        var pad = size * 0.4f;
        var lefts = new float[headers.Count];
        var cursor = x;
        for (var c = 0; c < headers.Count; c++)
        {
            lefts[c] = cursor;
            cursor += fractions[c] * width;
        }

        float CellX(int c) => rightAligned[c] ? lefts[c] + fractions[c] * width - pad : lefts[c] + pad;
        TextAlign CellAlign(int c) => rightAligned[c] ? TextAlign.Right : TextAlign.Left;

        page.Fill(x, top, width, rowHeight, style.Accent.Tint(0.75, "header"));
        for (var c = 0; c < headers.Count; c++)
        {
            var headerSize = PageBuilder.Fit(headers[c], FontFace.SansBold, size, fractions[c] * width - 2 * pad);
            page.Text(headers[c], CellX(c), top + size * 0.2f, FontFace.SansBold, headerSize, style.Ink, CellAlign(c));
        }
        var y = top + rowHeight;
        page.Line(x, y, x + width, y, style.Ink);
        for (var r = 0; r < rows.Count; r++)
        {
            if (shadeAlternateRows && r % 2 == 1) page.Fill(x, y, width, rowHeight, style.Accent.Tint(0.9, "shade"));
            for (var c = 0; c < headers.Count; c++)
            {
                var cellSize = PageBuilder.Fit(rows[r][c], style.BodyFace, size, fractions[c] * width - 2 * pad);
                page.Text(rows[r][c], CellX(c), y + size * 0.2f, style.BodyFace, cellSize, style.Ink, CellAlign(c));
            }
            y += rowHeight;
        }
        page.Stroke(x, top, width, y - top, style.Ink);
        return y + style.Line * 0.5f;
    }
}
