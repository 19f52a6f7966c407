namespace NanoVlm.Engine.Data;

/// <summary>
/// A lazy reader of one data set in one format. <see cref="Read"/> streams: it holds one JSON item, one
/// JSONL line or one parquet row group's text columns at a time, never the whole set. Image bytes are
/// read when used (see <see cref="ImageSource"/>); the one exception is a parquet row group whose column
/// statistics cannot vouch that every image has bytes, whose images are read once to find out. Each call
/// starts again from the beginning.
/// </summary>
public interface IDocVqaReader
{
    DocVqaFormat Format { get; }

    /// <summary>The file or folder being read, as given.</summary>
    string Path { get; }

    /// <summary>
    /// Every row in order, as a sample or a skipped row. Problems with single rows (malformed, missing
    /// image) become <see cref="SkippedRow"/>s; only a source that cannot be opened at all throws
    /// (<see cref="DatasetFormatException"/>).
    /// </summary>
    IEnumerable<ReadResult> Read(CancellationToken cancellationToken = default);
}
