using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using NanoVlm.Engine.Data;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Data.Readers;

/// <summary>
/// 10,000-row data sets in each format: every row comes back, parquet image bytes stay unread, and
/// the time <c>dataset inspect</c> takes is printed (not asserted: it depends on the machine).
/// </summary>
public sealed class ReaderScaleTests(ITestOutputHelper output)
{
    private const int Rows = 10_000;

    [Fact]
    public void LmmsParquetOf10000RowsIsInspectedWithoutReadingImageBytes()
    {
        using var files = new DatasetFiles();
        var images = Enumerable.Range(0, 50).Select(i => DatasetFiles.Png(i, 64, 48)).ToArray();
        files.WriteLmmsParquet("validation-00000-of-00002.parquet", LmmsRows(0, Rows / 2, images), rowGroupSize: 500);
        files.WriteLmmsParquet("validation-00001-of-00002.parquet", LmmsRows(Rows / 2, Rows / 2, images), rowGroupSize: 500);
        var reader = new LmmsParquetReader(files.Root);

        var result = Timed("lmms-parquet", () => DatasetInspector.Inspect(reader));
        Assert.Equal((Rows, Rows, 0L), (result.Samples, result.Images, result.Skipped));

        var samples = reader.Read().OfType<SampleRow>().Select(row => row.Sample).ToList();
        var groups = samples.Select(sample => ((ParquetImageSource)sample.Images[0]).RowGroupImages).Distinct().ToList();
        Assert.Equal(20, groups.Count);
        Assert.DoesNotContain(groups, group => group.IsLoaded);
        Assert.Equal(images[1234 % images.Length], samples[1234].Images[0].ReadBytes());
        Assert.Single(groups, group => group.IsLoaded);

        var verified = Timed("lmms-parquet --verify-images", () => DatasetInspector.Inspect(reader, new InspectOptions { VerifyImages = true }));
        Assert.Equal(Rows, verified.Samples);
    }

    [Fact]
    public void CauldronParquetOf10000RowsIsInspected()
    {
        using var files = new DatasetFiles();
        var image = DatasetFiles.Png(5, 64, 48);
        var rows = Enumerable.Range(0, Rows)
            .Select(i => new DatasetFiles.CauldronRow([image], [($"What is field {i}?", $"value {i}"), ("And the date?", "1998")]))
            .ToList();
        files.WriteCauldronParquet("train-00000-of-00001.parquet", rows, rowGroupSize: 1000);

        var result = Timed("cauldron-parquet", () => DatasetInspector.Inspect(files.Root));

        Assert.Equal((Rows, 2L * Rows), (result.Samples, result.Questions));
    }

    [Fact]
    public void OfficialJsonAndJsonlOf10000RowsAreInspected()
    {
        using var files = new DatasetFiles();
        for (var doc = 0; doc < 100; doc++)
        {
            files.WriteFile($"documents/doc{doc}.png", DatasetFiles.Png(doc));
        }
        var items = Enumerable.Range(0, Rows)
            .Select(i => (JsonNode?)DatasetFiles.OfficialItem(i, $"What is the value of field {i}?", $"documents/doc{i % 100}.png", [$"{i}", $"#{i}"], i % 100))
            .ToList();
        var json = files.WriteOfficialJson("train_v1.0.json", items, split: "train");
        var jsonl = new StringBuilder();
        foreach (var i in Enumerable.Range(0, Rows))
        {
            jsonl.Append(CultureInfo.InvariantCulture, $$"""{"image": "documents/doc{{i % 100}}.png", "question": "q{{i}}", "answers": ["{{i}}"]}""").Append('\n');
        }
        var jsonlPath = files.WriteText("custom.jsonl", jsonl.ToString());
        output.WriteLine($"train_v1.0.json: {new FileInfo(json).Length / 1024} KiB");

        Assert.Equal(Rows, Timed("docvqa json", () => DatasetInspector.Inspect(json)).Samples);
        Assert.Equal(Rows, Timed("jsonl", () => DatasetInspector.Inspect(jsonlPath)).Samples);
    }

    private InspectionResult Timed(string label, Func<InspectionResult> inspect)
    {
        inspect(); // warm-up: JIT and file cache
        var clock = Stopwatch.StartNew();
        var result = inspect();
        clock.Stop();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"inspect {label}: {result.Samples + result.Skipped} rows in {clock.Elapsed.TotalMilliseconds:0} ms ({(result.Samples + result.Skipped) / clock.Elapsed.TotalSeconds:0} rows/s)"));
        return result;
    }

    private static List<DatasetFiles.LmmsRow> LmmsRows(int first, int count, byte[][] images) =>
        Enumerable.Range(first, count)
            .Select(i => new DatasetFiles.LmmsRow($"{i}", $"What is the value of field {i}?", [$"{i}", $"#{i}"], images[i % images.Length], $"doc{i % images.Length}.png", i % images.Length))
            .ToList();
}
