namespace NanoVlm.Engine.Data;

/// <summary>Opens the right reader for a path: the entry point other code should use.</summary>
public static class DocVqaReaders
{
    /// <summary>
    /// A reader for <paramref name="path"/> (a file or a folder of shards). With no format the format is
    /// detected (<see cref="DocVqaFormatDetector"/>). Throws <see cref="DatasetFormatException"/> when the
    /// path does not exist or cannot be read as the format.
    /// </summary>
    /// <param name="imageCheck">
    /// decides which image files a JSON or JSONL data file may name (rows naming others are skipped with the reason);
    /// null allows any. Parquet formats carry their images inside the file.
    /// </param>
    public static IDocVqaReader Open(string path, DocVqaFormat? format = null, ImagePathCheck? imageCheck = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new DatasetFormatException($"{path} does not exist.");
        }
        var detected = format is null ? DocVqaFormatDetector.Detect(path) : new DetectedDataset(format.Value, path);
        return detected.Format switch
        {
            DocVqaFormat.DocVqaJson when Directory.Exists(detected.Path) =>
                Open(DocVqaFormatDetector.Detect(detected.Path) is { Format: DocVqaFormat.DocVqaJson } inFolder
                    ? inFolder.Path
                    : throw new DatasetFormatException($"{path} holds no DocVQA release JSON (an object with a \"data\" array)."),
                    DocVqaFormat.DocVqaJson, imageCheck),
            DocVqaFormat.DocVqaJson => new DocVqaJsonReader(detected.Path, imageCheck),
            DocVqaFormat.LmmsParquet => new LmmsParquetReader(detected.Path),
            DocVqaFormat.CauldronParquet => new CauldronParquetReader(detected.Path),
            DocVqaFormat.Jsonl => new JsonlReader(detected.Path, imageCheck),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    /// <summary>Like <see cref="Open(string, DocVqaFormat?, ImagePathCheck?)"/> with a <c>--format</c> value (<c>auto</c>, <c>docvqa</c>, ...).</summary>
    public static IDocVqaReader Open(string path, string format, ImagePathCheck? imageCheck = null) =>
        Open(path, DocVqaFormatNames.Parse(format), imageCheck);
}
