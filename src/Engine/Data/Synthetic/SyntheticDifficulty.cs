namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>How hard the synthetic documents and their questions are.</summary>
public enum SyntheticDifficulty
{
    /// <summary>
    /// Small schematic pages (128 px) with large coloured shapes; questions about colours, counts, positions and
    /// the document kind, from a vocabulary of a few dozen answers. A tiny model learns these from scratch.
    /// </summary>
    Easy,

    /// <summary>Pages with a few short fields in large print (20–30 px text); questions read one field.</summary>
    Medium,

    /// <summary>Dense pages in small print (10–14 px text) like scanned DocVQA pages: tables, paragraphs, totals.</summary>
    Hard,
}

/// <summary>The stream a document is drawn from. Each split derives document seeds in its own stream.</summary>
public enum SyntheticSplit
{
    Train,
    Val,
}

/// <summary>Parsing and naming of <see cref="SyntheticDifficulty"/> and <see cref="SyntheticSplit"/> as the CLI spells them.</summary>
public static class SyntheticNames
{
    public static string Name(this SyntheticDifficulty difficulty) => difficulty switch
    {
        SyntheticDifficulty.Easy => "easy",
        SyntheticDifficulty.Medium => "medium",
        SyntheticDifficulty.Hard => "hard",
        _ => throw new ArgumentOutOfRangeException(nameof(difficulty), difficulty, null),
    };

    public static string Name(this SyntheticSplit split) => split switch
    {
        SyntheticSplit.Train => "train",
        SyntheticSplit.Val => "val",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    public static SyntheticDifficulty ParseDifficulty(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "easy" => SyntheticDifficulty.Easy,
        "medium" => SyntheticDifficulty.Medium,
        "hard" => SyntheticDifficulty.Hard,
        _ => throw new ArgumentException($"Unknown difficulty '{text}'; expected easy, medium or hard.", nameof(text)),
    };

    public static SyntheticSplit ParseSplit(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "train" => SyntheticSplit.Train,
        "val" or "validation" => SyntheticSplit.Val,
        _ => throw new ArgumentException($"Unknown split '{text}'; expected train or val.", nameof(text)),
    };
}
