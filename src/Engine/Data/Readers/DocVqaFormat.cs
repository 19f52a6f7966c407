namespace NanoVlm.Engine.Data;

/// <summary>The data-set layouts the readers understand.</summary>
public enum DocVqaFormat
{
    /// <summary>The official release: <c>{split}_v1.0.json</c> with a top-level <c>data</c> array, plus image files.</summary>
    DocVqaJson,

    /// <summary><c>lmms-lab/DocVQA</c> parquet shards: one question per row, <c>image</c> as a {bytes, path} struct.</summary>
    LmmsParquet,

    /// <summary><c>HuggingFaceM4/the_cauldron</c> <c>docvqa</c> shards: <c>images</c> list and multi-turn <c>texts</c> list per row.</summary>
    CauldronParquet,

    /// <summary>Our own JSON Lines: <c>{"image": path, "question": ..., "answers": [...]}</c> per line.</summary>
    Jsonl,
}

/// <summary>The names of <see cref="DocVqaFormat"/> on the command line and in JSON output.</summary>
public static class DocVqaFormatNames
{
    public const string Auto = "auto";

    public static string ToName(this DocVqaFormat format) => format switch
    {
        DocVqaFormat.DocVqaJson => "docvqa",
        DocVqaFormat.LmmsParquet => "lmms-parquet",
        DocVqaFormat.CauldronParquet => "cauldron-parquet",
        DocVqaFormat.Jsonl => "jsonl",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>Every accepted <c>--format</c> value, <c>auto</c> first.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Auto, .. Enum.GetValues<DocVqaFormat>().Select(format => format.ToName())];

    /// <summary>A <c>--format</c> value → the format, or null for <c>auto</c>. Unknown names throw with the accepted list.</summary>
    public static DocVqaFormat? Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.Equals(name, Auto, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        foreach (var format in Enum.GetValues<DocVqaFormat>())
        {
            if (string.Equals(name, format.ToName(), StringComparison.OrdinalIgnoreCase))
            {
                return format;
            }
        }
        throw new ArgumentException($"Unknown data-set format '{name}'. Use one of: {string.Join(", ", All)}.", nameof(name));
    }
}
