using System.Text.Json;

namespace NanoVlm.Engine.Data;

/// <summary>
/// Our own JSON Lines format for custom data, one sample per line:
/// <c>{"image": "pages/a.png", "question": "...", "answers": ["..."]}</c>, with optional <c>id</c>,
/// <c>docId</c> and <c>question_types</c>. Image paths are relative to the JSONL file (absolute paths are
/// accepted). Blank lines are ignored; every other line is a row. A folder of several <c>.jsonl</c> files
/// is read file by file in name order, rows numbered on across files.
/// </summary>
public sealed class JsonlReader : IDocVqaReader
{
    private readonly List<string> _files;
    private readonly ImagePathCheck? _imageCheck;

    /// <summary>One JSONL file, or a folder whose <c>*.jsonl</c> files are read in name order.</summary>
    /// <param name="imageCheck">decides which image files the lines may name; null allows any</param>
    public JsonlReader(string path, ImagePathCheck? imageCheck = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        _imageCheck = imageCheck;
        _files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.jsonl").Order(StringComparer.Ordinal).ToList()
            : [path];
        if (_files.Count == 0)
        {
            throw new DatasetFormatException($"{path} holds no *.jsonl files.");
        }
    }

    public DocVqaFormat Format => DocVqaFormat.Jsonl;

    public string Path { get; }

    public IEnumerable<ReadResult> Read(CancellationToken cancellationToken = default)
    {
        var row = 0L;
        foreach (var file in _files)
        {
            var fileName = System.IO.Path.GetFileName(file);
            StreamReader lines;
            try
            {
                lines = new StreamReader(file, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DatasetFormatException($"Cannot open {file}: {e.Message}", e);
            }
            using (lines)
            {
                var images = ImagePathResolver.RelativeTo(file, _imageCheck);
                var lineNumber = 0;
                var nonBlank = 0;
                string? line;
                while ((line = lines.ReadLine()) is not null)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    lineNumber++;
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }
                    nonBlank++;
                    yield return ToResult(line, row++, $"{fileName} line {lineNumber}", images);
                }
                if (nonBlank == 0)
                {
                    yield return new SkippedRow(row, $"{fileName} is empty: no lines were read.");
                }
            }
        }
    }

    private static ReadResult ToResult(string line, long row, string where, ImagePathResolver images)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return new SkippedRow(row, $"{where}: not valid JSON ({e.Message}).");
        }
        using (document)
        {
            var item = document.RootElement;
            if (item.ValueKind != JsonValueKind.Object)
            {
                return new SkippedRow(row, $"{where} is a {JsonSampleFields.Describe(item.ValueKind)}, not an object.");
            }
            return JsonSampleFields.ToSample(item, row, where, JsonSampleFields.OptionalId(item, "id") ?? where, images);
        }
    }
}
