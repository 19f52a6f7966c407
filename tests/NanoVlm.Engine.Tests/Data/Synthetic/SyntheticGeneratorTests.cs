using System.Text.RegularExpressions;
using NanoVlm.Engine.Data.Synthetic;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Data.Synthetic;

public sealed partial class SyntheticGeneratorTests
{
    public static TheoryData<SyntheticDifficulty> Difficulties => new(Enum.GetValues<SyntheticDifficulty>());

    [Theory]
    [MemberData(nameof(Difficulties))]
    public void SameSeedGivesByteIdenticalPagesAndQuestions(SyntheticDifficulty difficulty)
    {
        var first = new SyntheticDocVqaGenerator(difficulty, seed: 42);
        var second = new SyntheticDocVqaGenerator(difficulty, seed: 42);
        // Out of order on purpose: document i does not depend on the documents made before it.
        foreach (var index in new long[] { 3, 0, 1, 17 })
        {
            var a = first.Generate(SyntheticSplit.Train, index);
            var b = second.Generate(SyntheticSplit.Train, index);
            Assert.Equal(a.EncodePng(), b.EncodePng());
            Assert.Equal(a.Questions, b.Questions, QuestionComparer.Instance);
            Assert.Equal(a.Id, b.Id);
        }
    }

    [Fact]
    public void SeedsAndSplitsGiveDifferentDocuments()
    {
        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Hard, seed: 1);
        var other = new SyntheticDocVqaGenerator(SyntheticDifficulty.Hard, seed: 2);
        for (var index = 0; index < 5; index++)
        {
            var train = generator.Generate(SyntheticSplit.Train, index);
            Assert.NotEqual(train.Page.Texts, generator.Generate(SyntheticSplit.Val, index).Page.Texts);
            Assert.NotEqual(train.Page.Texts, other.Generate(SyntheticSplit.Train, index).Page.Texts);
        }
    }

    [Fact]
    public void RenderedPixelsMatchThePng()
    {
        var document = new SyntheticDocVqaGenerator(SyntheticDifficulty.Medium, 5).Generate(SyntheticSplit.Train, 0);
        using var direct = document.Render();
        using var decoded = SixLabors.ImageSharp.Image.Load<Rgb24>(document.EncodePng());
        Assert.Equal((document.Page.Width, document.Page.Height), (direct.Width, direct.Height));
        for (var y = 0; y < direct.Height; y += 7)
        {
            for (var x = 0; x < direct.Width; x += 5)
            {
                Assert.Equal(direct[x, y], decoded[x, y]);
            }
        }
    }

    [Theory]
    [InlineData(SyntheticDifficulty.Medium)]
    [InlineData(SyntheticDifficulty.Hard)]
    public void EveryTextAnswerIsDrawnOnThePage(SyntheticDifficulty difficulty)
    {
        var generator = new SyntheticDocVqaGenerator(difficulty, seed: 9);
        var kinds = new HashSet<DocumentKind>();
        for (var index = 0; index < 60; index++)
        {
            var document = generator.Generate(SyntheticSplit.Train, index);
            kinds.Add(document.Kind);
            Assert.Equal(generator.QuestionsPerDocument, document.Questions.Count);
            Assert.Equal(document.Questions.Count, document.Questions.Select(q => q.Question).Distinct().Count());
            // Answers inside paragraphs are joined with no-break spaces so that wrapping keeps them on one line.
            var texts = document.Page.Texts.Select(t => t.Replace('\u00A0', ' ')).ToList();
            foreach (var question in document.Questions.Where(q => !IsCount(q)))
            {
                Assert.True(texts.Any(t => ContainsWhole(t, question.Answer)),
                    $"{document.Id} ({document.Kind}): '{question.Question}' → '{question.Answer}' is not drawn. Texts: {string.Join(" | ", texts)}");
            }
        }
        Assert.Equal(Enum.GetValues<DocumentKind>().Length, kinds.Count);
    }

    [Fact]
    public void CountAnswersMatchTheDrawnRows()
    {
        var checkedTables = 0;
        var checkedInvoices = 0;
        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Hard, seed: 11);
        for (var index = 0; index < 200 && (checkedTables < 3 || checkedInvoices < 3); index++)
        {
            var document = generator.Generate(SyntheticSplit.Train, index);
            var texts = document.Page.Ops.OfType<DrawText>().ToList();
            if (document.Kind == DocumentKind.Receipt)
            {
                foreach (var question in document.Questions.Where(IsCount))
                    Assert.Contains("ITEMS: " + question.Answer, texts.Select(t => t.Text));
                continue;
            }
            foreach (var question in document.Questions.Where(IsCount))
            {
                // Rows are the texts left-aligned exactly under the first column's header, above the totals.
                var header = texts.Single(t => t.Text is "Region" or "Description");
                var end = texts.FirstOrDefault(t => t.Text == "Subtotal")?.Baseline ?? float.MaxValue;
                var rows = texts.Count(t => t.X == header.X && t.Align == TextAlign.Left && t.Baseline > header.Baseline && t.Baseline < end);
                Assert.Equal(rows.ToString(System.Globalization.CultureInfo.InvariantCulture), question.Answer);
                if (document.Kind == DocumentKind.Table) checkedTables++;
                else checkedInvoices++;
            }
        }
        Assert.True(checkedTables >= 3 && checkedInvoices >= 3, $"only {checkedTables} table and {checkedInvoices} invoice count questions seen");
    }

    [Fact]
    public void EasyAnswersAreTheDrawnColoursShapesPositionsAndCounts()
    {
        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, seed: 3);
        var answers = new HashSet<string>();
        for (var index = 0; index < 300; index++)
        {
            var document = generator.Generate(SyntheticSplit.Train, index);
            var page = document.Page;
            var logo = Assert.Single(page.Ops.OfType<DrawShape>());
            var band = page.Ops.OfType<FillRect>().Single(f => NamedColour.Palette.Contains(f.Colour));
            var rows = page.Ops.OfType<FillRect>().Count(f => f.Colour.Name == "grey");
            foreach (var question in document.Questions)
            {
                answers.Add(question.Answer);
                var expected = question.Question switch
                {
                    "What colour is the header?" => band.Colour.Name,
                    "What colour is the logo?" => logo.Colour.Name,
                    "What shape is the logo?" => logo.Shape.ToString().ToLowerInvariant(),
                    "How many rows are there?" => rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "Which corner holds the logo?" => (logo.Y < page.Height / 2 ? "top" : "bottom") + " " + (logo.X < page.Width / 2 ? "left" : "right"),
                    "What kind of document is this?" => page.Texts.Single().ToLowerInvariant(),
                    _ => throw new Xunit.Sdk.XunitException($"unexpected easy question '{question.Question}'"),
                };
                Assert.Equal(expected, question.Answer);
            }
        }
        // A small vocabulary: 6 colours, 3 shapes, 4 corners, 5 counts, 5 kinds.
        Assert.InRange(answers.Count, 15, 23);
    }

    [Fact]
    public void EasyHeaderColourIsWhatThePixelsShow()
    {
        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, seed: 4);
        for (var index = 0; index < 20; index++)
        {
            var document = generator.Generate(SyntheticSplit.Train, index);
            var band = document.Page.Ops.OfType<FillRect>().Single(f => NamedColour.Palette.Contains(f.Colour));
            using var image = document.Render();
            // A point inside the band, left of the centred title; rotation is at most 2°, noise at most ±6.
            var pixel = image[(int)(band.X + 6), (int)(band.Y + band.Height / 2)];
            var nearest = NamedColour.Palette.MinBy(c => Math.Abs(c.R - pixel.R) + Math.Abs(c.G - pixel.G) + Math.Abs(c.B - pixel.B));
            Assert.Equal(band.Colour.Name, nearest.Name);
        }
    }

    [Fact]
    public void PageSizesCoverEveryDocument()
    {
        foreach (var difficulty in Enum.GetValues<SyntheticDifficulty>())
        {
            var generator = new SyntheticDocVqaGenerator(difficulty, 8);
            for (var index = 0; index < 20; index++)
            {
                var page = generator.Generate(SyntheticSplit.Train, index).Page;
                Assert.Contains((page.Width, page.Height), generator.PageSizes);
            }
        }
    }

    [Fact]
    public void EmbeddedFontsLoad()
    {
        Assert.Equal("DejaVu Sans", SyntheticFonts.Typeface(FontFace.Sans).FamilyName);
        Assert.Equal("DejaVu Sans Mono", SyntheticFonts.Typeface(FontFace.Mono).FamilyName);
        Assert.Equal("DejaVu Serif", SyntheticFonts.Typeface(FontFace.Serif).FamilyName);
        Assert.True(SyntheticFonts.Typeface(FontFace.SansBold).IsBold);
    }

    [Fact]
    public void NamesParseBothWays()
    {
        foreach (var difficulty in Enum.GetValues<SyntheticDifficulty>())
            Assert.Equal(difficulty, SyntheticNames.ParseDifficulty(difficulty.Name()));
        Assert.Equal(SyntheticSplit.Val, SyntheticNames.ParseSplit("VAL"));
        Assert.Throws<ArgumentException>(() => SyntheticNames.ParseDifficulty("extreme"));
    }

    private static bool IsCount(SyntheticQuestion question) => question.Question.StartsWith("How many", StringComparison.Ordinal);

    private static bool ContainsWhole(string text, string answer) =>
        Regex.IsMatch(text, $@"(^|[^\w]){Regex.Escape(answer)}($|[^\w])");

    private sealed class QuestionComparer : IEqualityComparer<SyntheticQuestion>
    {
        public static readonly QuestionComparer Instance = new();

        public bool Equals(SyntheticQuestion? x, SyntheticQuestion? y) =>
            x is not null && y is not null && x.Question == y.Question && x.QuestionType == y.QuestionType && x.Answers.SequenceEqual(y.Answers);

        public int GetHashCode(SyntheticQuestion obj) => obj.Question.GetHashCode(StringComparison.Ordinal);
    }
}
