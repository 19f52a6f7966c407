namespace NanoVlm.Engine.Data;

/// <summary>
/// What a reader yields for each row of its source, in order: a usable sample, or a skipped row with the
/// reason. Rows are never dropped silently, so callers can count problems.
/// </summary>
/// <param name="Row">0-based position of the row in the whole data set, in reading order: the index in the
/// JSON <c>data</c> array, the count of non-blank JSONL lines before it (across files), or the row number
/// across parquet shards. Reasons name the file and its own position (<c>line 7</c>, <c>shard#17</c>).</param>
public abstract record ReadResult(long Row);

/// <summary>A row that became a usable sample.</summary>
public sealed record SampleRow(long Row, DocVqaSample Sample) : ReadResult(Row);

/// <summary>A row that could not be used; <paramref name="Reason"/> names the file and what is wrong.</summary>
public sealed record SkippedRow(long Row, string Reason) : ReadResult(Row);
