namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// A report page holding one numeric table: a title, row labels (regions) and 2–5 value columns (quarters or
/// measures). Questions look up cells by row and column, count the rows and read the title. Medium: 2–3 rows and
/// 2 columns in large print.
/// </summary>
internal static class TableLayout
{
    private static readonly string[][] ColumnSets =
    [
        ["Q1", "Q2", "Q3", "Q4"],
        ["Units", "Returns", "Stock"],
        ["2019", "2020", "2021", "2022", "2023"],
        ["Jan", "Feb", "Mar"],
    ];

    private static readonly string[] Subjects = ["Sales", "Revenue", "Shipments", "Orders", "Visitors"];

    public static (PageBuilder Page, List<SyntheticQuestion> Questions) Build(DocumentStyle style, DeterministicRandom random)
    {
        var page = new PageBuilder(style.Width, style.Height);
        var subject = random.Pick(Subjects);
        var company = FakeContent.Company(random);
        var title = subject + " by Region";
        var columnSet = random.Pick(ColumnSets);
        var columns = style.Dense ? columnSet : columnSet[..2];
        var regions = random.PickDistinct(FakeContent.Regions, style.Dense ? random.Between(4, 10) : random.Between(2, 3));
        var values = regions.Select(_ => columns.Select(_ => (long)random.Between(10, style.Dense ? 99999 : 999)).ToArray()).ToList();

        var y = style.Margin;
        if (style.Dense)
        {
            y = LayoutParts.Letterhead(page, style, random, company, FakeContent.StreetLine(random), FakeContent.CityLine(random));
        }
        var titleSize = PageBuilder.Fit(title, FontFace.SansBold, style.TitleSize, style.ContentWidth);
        y = page.Text(title, style.Margin, y, FontFace.SansBold, titleSize, style.Accent) + style.Line * 0.5f;
        if (style.Dense)
        {
            y = page.Paragraph(
                $"The table below lists {subject.ToLowerInvariant()} for each region. Figures are provisional and may be revised in the next report.",
                style.Margin, y, style.ContentWidth, style.BodyFace, style.BodySize, style.Ink) + style.Line * 0.5f;
        }

        string[] headers = ["Region", .. columns];
        var rows = regions.Select((region, r) => (IReadOnlyList<string>)[region, .. values[r].Select(FakeContent.GroupedInteger)]).ToList();
        var first = style.Dense ? 0.28f : 0.4f;
        var fractions = headers.Select((_, c) => c == 0 ? first : (1 - first) / columns.Length).ToArray();
        var alignments = headers.Select((_, c) => c > 0).ToArray();
        y = LayoutParts.Table(page, style, style.Margin, y, style.ContentWidth, headers, rows, fractions, alignments, shadeAlternateRows: random.Chance(0.6));
        if (style.Dense)
        {
            page.Text("Source: internal records of " + company + ".", style.Margin, y + style.Line * 0.5f, style.BodyFace, style.BodySize * 0.85f, style.Ink);
        }

        var row = random.Next(regions.Count);
        var column = random.Next(columns.Length);
        var lastColumn = columns.Length - 1;
        var highest = values.Max(v => v[lastColumn]);
        var leaders = regions.Where((_, i) => values[i][lastColumn] == highest).ToList();
        var questions = new List<SyntheticQuestion>
        {
            SyntheticQuestion.Of($"What is the {columns[column]} value for {regions[row]}?", FakeContent.GroupedInteger(values[row][column]), QuestionTypes.TableList, FakeContent.Integer(values[row][column])),
            SyntheticQuestion.Of("How many regions are listed in the table?", FakeContent.Integer(regions.Count), QuestionTypes.TableList),
            SyntheticQuestion.Of("What is the title of the table?", title, QuestionTypes.Layout),
        };
        if (leaders.Count == 1)
        {
            questions.Add(SyntheticQuestion.Of($"Which region has the highest {columns[lastColumn]} value?", leaders[0], QuestionTypes.TableList));
        }
        if (style.Dense)
        {
            questions.Add(SyntheticQuestion.Of("What is the heading of the last column?", columns[lastColumn], QuestionTypes.TableList));
            questions.Add(SyntheticQuestion.Of("Which region is listed first?", regions[0], QuestionTypes.TableList));
        }
        return (page, questions);
    }
}
