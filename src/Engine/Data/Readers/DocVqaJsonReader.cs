using System.Text.Json;

namespace NanoVlm.Engine.Data;

/// <summary>
/// The official DocVQA release: <c>train_v1.0.json</c> / <c>val_v1.0.json</c> / <c>test_v1.0.json</c>
/// (also the <c>_withQT</c> variants), a top-level object whose <c>data</c> array holds one item per
/// question: <c>questionId</c>, <c>question</c>, <c>image</c> (a path relative to the JSON), <c>docId</c>,
/// <c>answers</c> (absent in test), <c>question_types</c>, <c>ucsf_document_id</c>, ... Items are
/// streamed one at a time (<see cref="JsonArrayItemStream"/>).
/// </summary>
public sealed class DocVqaJsonReader : IDocVqaReader
{
    private readonly ImagePathCheck? _imageCheck;

    /// <param name="imageCheck">decides which image files the questions may name; null allows any</param>
    public DocVqaJsonReader(string jsonFile, ImagePathCheck? imageCheck = null)
    {
        ArgumentNullException.ThrowIfNull(jsonFile);
        Path = jsonFile;
        _imageCheck = imageCheck;
    }

    public DocVqaFormat Format => DocVqaFormat.DocVqaJson;

    public string Path { get; }

    public IEnumerable<ReadResult> Read(CancellationToken cancellationToken = default)
    {
        var fileName = System.IO.Path.GetFileName(Path);
        FileStream file;
        try
        {
            file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetFormatException($"Cannot open {Path}: {e.Message}", e);
        }
        if (file.Length == 0)
        {
            file.Dispose();
            yield return new SkippedRow(0, $"{fileName} is empty: no items were read.");
            yield break;
        }

        using var items = new JsonArrayItemStream(file, "data");
        var images = ImagePathResolver.ForOfficialRelease(Path, _imageCheck);
        var row = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            JsonDocument? item;
            string? fatal = null;
            try
            {
                item = items.ReadNext();
            }
            catch (JsonException e)
            {
                item = null;
                fatal = $"{fileName}: {e.Message} Items from row {row} on could not be read.";
            }
            if (fatal is not null)
            {
                yield return new SkippedRow(row, fatal);
                yield break;
            }
            if (item is null)
            {
                break;
            }
            using (item)
            {
                yield return ToResult(item.RootElement, row, fileName, images);
            }
            row++;
        }
        if (!items.FoundArray)
        {
            yield return new SkippedRow(row, $"{fileName} has no top-level \"data\" array, so it is not a DocVQA release file.");
        }
    }

    private static ReadResult ToResult(JsonElement item, long row, string fileName, ImagePathResolver images)
    {
        var where = $"{fileName} data[{row}]";
        if (item.ValueKind != JsonValueKind.Object)
        {
            return new SkippedRow(row, $"{where} is a {JsonSampleFields.Describe(item.ValueKind)}, not an object.");
        }
        var id = JsonSampleFields.OptionalId(item, "questionId");
        if (id is not null)
        {
            where += $" (questionId {id})";
        }
        return JsonSampleFields.ToSample(item, row, where, id ?? $"{fileName}#{row}", images);
    }
}
