using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Data.Readers;

/// <summary>
/// Builds small data sets in each published layout inside a temporary folder: PNGs drawn with
/// ImageSharp, the official DocVQA JSON, JSONL, and parquet shards written with Parquet.Net in the
/// schemas the Hugging Face <c>datasets</c> library produces (list items named <c>element</c>, or
/// <c>item</c> as older pyarrow wrote them).
/// </summary>
internal sealed class DatasetFiles : IDisposable
{
    public DatasetFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "nanovlm-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>A small valid PNG whose colour depends on <paramref name="seed"/>, so images differ.</summary>
    public static byte[] Png(int seed, int width = 24, int height = 16)
    {
        using var image = new Image<Rgba32>(width, height, new Rgba32((byte)(seed * 37), (byte)(seed * 91), (byte)(seed * 13)));
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    /// <summary>The first half of a PNG: detected as truncated by <c>SafeImageDecoder.Inspect</c>.</summary>
    public static byte[] TruncatedPng(int seed) => Png(seed)[..(Png(seed).Length / 2)];

    public string WriteFile(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string WriteText(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>An official release item, as in <c>val_v1.0_withQT.json</c>.</summary>
    public static JsonObject OfficialItem(int questionId, string question, string image, string[]? answers, int docId = 100, string[]? types = null)
    {
        var item = new JsonObject
        {
            ["questionId"] = questionId,
            ["question"] = question,
            ["question_types"] = new JsonArray((types ?? ["form"]).Select(type => (JsonNode)JsonValue.Create(type)!).ToArray()),
            ["image"] = image,
            ["docId"] = docId,
            ["ucsf_document_id"] = "txpp0227",
            ["ucsf_document_page_no"] = "10",
            ["data_split"] = "val",
        };
        if (answers is not null)
        {
            item["answers"] = new JsonArray(answers.Select(answer => (JsonNode)JsonValue.Create(answer)!).ToArray());
        }
        return item;
    }

    /// <summary>The release file: header fields, then the <c>data</c> array of <paramref name="items"/> (any JSON).</summary>
    public string WriteOfficialJson(string relative, IEnumerable<JsonNode?> items, string split = "val")
    {
        var root = new JsonObject
        {
            ["dataset_name"] = "docvqa",
            ["dataset_split"] = split,
            ["dataset_version"] = "1.0",
            ["data"] = new JsonArray(items.ToArray()),
        };
        return WriteText(relative, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>One lmms-lab/DocVQA row; null fields are written as nulls.</summary>
    public sealed record LmmsRow(string? QuestionId, string? Question, string[]? Answers, byte[]? ImageBytes, string? ImagePath = "doc.png",
        long? DocId = 7, string[]? QuestionTypes = null, bool ImageIsNull = false);

    public static ParquetSchema LmmsSchema(string listItemName) => new(
        new DataField<string>("questionId"),
        new DataField<string>("question"),
        new ListField("question_types", new DataField<string>(listItemName)),
        new StructField("image", new DataField<byte[]>("bytes"), new DataField<string>("path")),
        new DataField<long?>("docId"),
        new DataField<string>("ucsf_document_id"),
        new DataField<string>("ucsf_document_page_no"),
        new ListField("answers", new DataField<string>(listItemName)),
        new DataField<string>("data_split"));

    public string WriteLmmsParquet(string relative, IReadOnlyList<LmmsRow> rows, string listItemName = "element", int rowGroupSize = 1000)
    {
        var records = rows.Select(row => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["questionId"] = Text(row.QuestionId),
            ["question"] = Text(row.Question),
            ["question_types"] = Texts(row.QuestionTypes ?? ["form"]),
            ["image"] = row.ImageIsNull ? null : new Dictionary<string, object?> { ["bytes"] = Bytes(row.ImageBytes), ["path"] = Text(row.ImagePath) },
            ["docId"] = row.DocId,
            ["ucsf_document_id"] = Text("txpp0227"),
            ["ucsf_document_page_no"] = Text("3"),
            ["answers"] = row.Answers is null ? null : Texts(row.Answers),
            ["data_split"] = Text("validation"),
        }).ToList();
        return WriteParquet(relative, LmmsSchema(listItemName), records, rowGroupSize);
    }

    /// <summary>
    /// One the_cauldron docvqa row: images and (user, assistant) turns. A null image is a null list item.
    /// Parquet.Net 6.1's untyped writer stores a null binary inside a present struct as an empty value,
    /// and a null struct inside a list at the empty-list level, so a true "null bytes" list entry cannot be
    /// written with it; an empty byte array stands for a missing image in the tests.
    /// </summary>
    public sealed record CauldronRow(IReadOnlyList<byte[]?> Images, IReadOnlyList<(string? User, string? Assistant)> Texts);

    public static ParquetSchema CauldronSchema(string listItemName) => new(
        new ListField("images", new StructField(listItemName, new DataField<byte[]>("bytes"), new DataField<string>("path"))),
        new ListField("texts", new StructField(listItemName, new DataField<string>("user"), new DataField<string>("assistant"), new DataField<string>("source"))));

    public string WriteCauldronParquet(string relative, IReadOnlyList<CauldronRow> rows, string listItemName = "element", int rowGroupSize = 1000)
    {
        var records = rows.Select(row => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["images"] = row.Images.Select(bytes => bytes is null ? null : (IDictionary<string, object?>)new Dictionary<string, object?> { ["bytes"] = Bytes(bytes), ["path"] = null }).ToList(),
            ["texts"] = row.Texts.Select(text => (IDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["user"] = Text(text.User),
                ["assistant"] = Text(text.Assistant),
                ["source"] = Text("docvqa"),
            }).ToList(),
        }).ToList();
        return WriteParquet(relative, CauldronSchema(listItemName), records, rowGroupSize);
    }

    // Parquet.Net's untyped writer takes strings and binaries as ReadOnlyMemory (unless the process-wide
    // ParquetOptions.PreferUntyped* switches are set, which tests must not flip under other tests).
    private static ReadOnlyMemory<char>? Text(string? text) => text?.AsMemory();

    private static List<ReadOnlyMemory<char>?> Texts(IEnumerable<string> texts) => texts.Select(text => (ReadOnlyMemory<char>?)text.AsMemory()).ToList();

    private static ReadOnlyMemory<byte>? Bytes(byte[]? bytes) => bytes is null ? null : new ReadOnlyMemory<byte>(bytes);

    /// <summary>A parquet file of neither layout (a plain QA table).</summary>
    public string WriteParquetWithOtherColumns(string relative) => WriteParquet(relative,
        new ParquetSchema(new DataField<string>("question_text"), new DataField<string>("answer_text")),
        [new Dictionary<string, object?> { ["question_text"] = Text("q"), ["answer_text"] = Text("a") }], 10);

    private string WriteParquet(string relative, ParquetSchema schema, List<IDictionary<string, object?>> records, int rowGroupSize)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        ParquetSerializer.SerializeUntypedAsync(records, schema, file, new ParquetOptions { RowGroupSize = rowGroupSize })
            .GetAwaiter().GetResult();
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
