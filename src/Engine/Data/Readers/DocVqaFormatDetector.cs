using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace NanoVlm.Engine.Data;

/// <summary>
/// Decides a data set's format from a path by looking at content, not only names: a parquet shard's
/// columns, a JSON file's top-level <c>data</c> array, a JSONL file's first line. Throws
/// <see cref="DatasetFormatException"/> saying what was looked for and what was found.
/// </summary>
public static class DocVqaFormatDetector
{
    private const string LookedFor =
        "Looked for: parquet shards with 'question' + 'image' columns (lmms-lab/DocVQA) or 'images' + 'texts' columns " +
        "(the_cauldron docvqa); a DocVQA release JSON (e.g. val_v1.0.json, an object with a \"data\" array); " +
        "JSONL lines like {\"image\": ..., \"question\": ..., \"answers\": [...]}.";

    public static DetectedDataset Detect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            var format = DetectFile(path, out var columns);
            return new DetectedDataset(format ?? throw Unrecognised(path,
                $"{Path.GetFileName(path)} matches none of them{(columns is null ? "" : $" (its columns: {columns})")}."), path);
        }
        if (!Directory.Exists(path))
        {
            throw new DatasetFormatException($"{path} does not exist.");
        }
        return DetectFolder(path);
    }

    private static DetectedDataset DetectFolder(string folder)
    {
        var shards = ParquetShards.Find(folder);
        if (shards.Count > 0)
        {
            var format = DetectParquet(shards[0], out var columns)
                ?? throw Unrecognised(folder, $"The first shard, {Path.GetFileName(shards[0])}, has columns {columns}.");
            return new DetectedDataset(format, folder);
        }
        var files = Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).ToList();
        if (files.Any(file => file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)))
        {
            return new DetectedDataset(DocVqaFormat.Jsonl, folder);
        }
        var releases = files.Where(file => file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && IsDocVqaJson(file)).ToList();
        if (releases.Count == 1)
        {
            return new DetectedDataset(DocVqaFormat.DocVqaJson, releases[0]);
        }
        if (releases.Count > 1)
        {
            throw new DatasetFormatException(
                $"{folder} holds several DocVQA files ({string.Join(", ", releases.Select(Path.GetFileName))}); pass the one to read (one split).");
        }
        var found = files.Count == 0
            ? "The folder is empty."
            : $"It holds {files.Count} file(s): {string.Join(", ", files.Take(10).Select(Path.GetFileName))}{(files.Count > 10 ? ", ..." : "")}.";
        throw Unrecognised(folder, found);
    }

    private static DocVqaFormat? DetectFile(string file, out string? parquetColumns)
    {
        parquetColumns = null;
        var head = ReadHead(file, 4);
        if (head.AsSpan().StartsWith("PAR1"u8))
        {
            var format = DetectParquet(file, out var columns);
            parquetColumns = columns;
            return format;
        }
        if (file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            return DocVqaFormat.Jsonl;
        }
        if (IsDocVqaJson(file))
        {
            return DocVqaFormat.DocVqaJson;
        }
        return FirstLineIsSample(file) ? DocVqaFormat.Jsonl : null;
    }

    /// <summary>The parquet layout of one shard, or null with the columns it has.</summary>
    private static DocVqaFormat? DetectParquet(string shard, out string columns)
    {
        ParquetSchema schema;
        try
        {
            schema = ParquetSync.Run(() => ParquetReader.ReadSchemaAsync(shard));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new DatasetFormatException($"{shard} is not a readable parquet file ({e.Message}).", e);
        }
        columns = ParquetSchemaShapes.DescribeColumns(schema);
        if (ParquetSchemaShapes.Top(schema, "images") is not null && ParquetSchemaShapes.Top(schema, "texts") is not null)
        {
            return DocVqaFormat.CauldronParquet;
        }
        if (ParquetSchemaShapes.Top(schema, "question") is not null && ParquetSchemaShapes.Top(schema, "image") is not null)
        {
            return DocVqaFormat.LmmsParquet;
        }
        return null;
    }

    private static bool IsDocVqaJson(string file)
    {
        try
        {
            using var items = new JsonArrayItemStream(File.OpenRead(file), "data");
            items.ReadNext()?.Dispose();
            return items.FoundArray;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool FirstLineIsSample(string file)
    {
        try
        {
            using var reader = new StreamReader(file, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) is not null && string.IsNullOrWhiteSpace(line))
            {
            }
            if (line is null)
            {
                return false;
            }
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("question", out _)
                && document.RootElement.TryGetProperty("image", out _);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static byte[] ReadHead(string file, int count)
    {
        try
        {
            using var stream = File.OpenRead(file);
            var buffer = new byte[count];
            var read = stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
            return buffer[..read];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetFormatException($"Cannot read {file}: {e.Message}", e);
        }
    }

    private static DatasetFormatException Unrecognised(string path, string found) =>
        new($"Cannot tell the data-set format of {path}. {LookedFor} {found} Pass --format to choose one.");
}
