using System.Globalization;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// The built-in document-QA data set: invoices, receipts, forms, tables and letters drawn with SkiaSharp, with
/// questions whose answers are the generated values. Document i of a split is a pure function of (seed, split, i):
/// the same inputs give the same drawing instructions and byte-identical pixels, any document can be made without
/// making the ones before it, and the train and validation splits draw from separate seed streams.
/// </summary>
public sealed class SyntheticDocVqaGenerator
{
    /// <summary>Questions asked per document (sampled from the document's candidates).</summary>
    public const int EasyQuestionsPerDocument = 3;
    public const int MediumQuestionsPerDocument = 2;
    public const int HardQuestionsPerDocument = 3;

    private static readonly DocumentKind[] Kinds = Enum.GetValues<DocumentKind>();

    public SyntheticDocVqaGenerator(SyntheticDifficulty difficulty, long seed)
    {
        if (!Enum.IsDefined(difficulty)) throw new ArgumentOutOfRangeException(nameof(difficulty), difficulty, null);
        Difficulty = difficulty;
        Seed = seed;
    }

    public SyntheticDifficulty Difficulty { get; }

    public long Seed { get; }

    /// <summary>Every page size this difficulty can produce (width, height), e.g. to bound image tokens up front.</summary>
    public IReadOnlyList<(int Width, int Height)> PageSizes =>
        Kinds.Select(kind => DocumentStyle.PageSize(Difficulty, kind)).Distinct().ToArray();

    public int QuestionsPerDocument => Difficulty switch
    {
        SyntheticDifficulty.Easy => EasyQuestionsPerDocument,
        SyntheticDifficulty.Medium => MediumQuestionsPerDocument,
        _ => HardQuestionsPerDocument,
    };

    /// <summary>Document <paramref name="index"/> of <paramref name="split"/>.</summary>
    public SyntheticDocument Generate(SyntheticSplit split, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var documentSeed = DeterministicRandom.DeriveSeed(unchecked((ulong)Seed), StreamOf(split), (ulong)index);
        var random = new DeterministicRandom(documentSeed);
        var kind = random.Pick(Kinds);
        var style = DocumentStyle.Draw(Difficulty, kind, random);
        var (page, candidates) = Difficulty == SyntheticDifficulty.Easy
            ? EasyDocumentLayout.Build(kind, style, random)
            : kind switch
            {
                DocumentKind.Invoice => InvoiceLayout.Build(style, random),
                DocumentKind.Receipt => ReceiptLayout.Build(style, random),
                DocumentKind.Form => FormLayout.Build(style, random),
                DocumentKind.Table => TableLayout.Build(style, random),
                DocumentKind.Letter => LetterLayout.Build(style, random),
                _ => throw new InvalidOperationException($"No layout for {kind}."),
            };
        var questions = random.PickDistinct(candidates, QuestionsPerDocument);
        var id = string.Create(CultureInfo.InvariantCulture, $"synthetic-{Difficulty.Name()}-{split.Name()}-{Seed}-{index}");
        var pageRecord = page.Build(style.Paper, style.RotationDegrees, style.NoiseAmplitude, random.NextUInt64());
        return new SyntheticDocument(id, index, split, Difficulty, kind, pageRecord, questions);
    }

    /// <summary>Documents <paramref name="startIndex"/>, <paramref name="startIndex"/>+1, ... of a split, without end.</summary>
    public IEnumerable<SyntheticDocument> Stream(SyntheticSplit split, long startIndex = 0)
    {
        for (var index = startIndex; ; index++)
        {
            yield return Generate(split, index);
        }
    }

    // Distinct constants per split: the two splits never share a document seed stream.
    private static ulong StreamOf(SyntheticSplit split) => split switch
    {
        SyntheticSplit.Train => 0x7472_6169_6E00_0001UL,
        SyntheticSplit.Val => 0x7661_6C00_0000_0002UL,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };
}
