using System.Text.Json;
using System.Text.Json.Nodes;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Tests.Data.Readers;

public sealed class DatasetInspectorTests
{
    [Fact]
    public void CountsSamplesImagesQuestionsAndProblemsAndPrintsTheAgreedJson()
    {
        using var files = new DatasetFiles();
        var shard = files.WriteCauldronParquet("train.parquet",
        [
            new([DatasetFiles.Png(1)], [("q1", "a1"), ("q2", "a2")]),
            new([], [("q", "a")]),
            new([DatasetFiles.Png(2), DatasetFiles.Png(3)], [("q3", "a3")]),
        ]);

        var result = DatasetInspector.Inspect(shard);

        Assert.Equal((DocVqaFormat.CauldronParquet, 2L, 3L, 1L, 3L, 0L), (result.Format, result.Samples, result.Images, result.Skipped, result.Questions, result.Unanswered));
        var json = JsonNode.Parse(result.ToJson())!.AsObject();
        Assert.Equal(["format", "samples", "images", "skipped", "questions", "unanswered", "problems"], json.Select(pair => pair.Key));
        Assert.Equal("cauldron-parquet", (string)json["format"]!);
        Assert.Equal(2, (int)json["samples"]!);
        var problem = Assert.Single(json["problems"]!.AsArray())!.AsObject();
        Assert.Equal(1, (int)problem["row"]!);
        Assert.Equal("train.parquet#1: the row has no image.", (string)problem["reason"]!);
    }

    [Fact]
    public void ListsTheFirstTwentyProblemsButCountsAll()
    {
        using var files = new DatasetFiles();
        var lines = Enumerable.Range(0, 30).Select(i => $$"""{"image": "missing{{i}}.png", "question": "q"}""");
        var jsonl = files.WriteText("d.jsonl", string.Join("\n", lines));

        var result = DatasetInspector.Inspect(jsonl, "jsonl");

        Assert.Equal(30, result.Skipped);
        Assert.Equal(20, result.Problems.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), result.Problems.Select(problem => problem.Row));
    }

    [Fact]
    public void VerifyImagesRejectsTruncatedCorruptAndEmptyImagesThatTheCheapCheckLetsThrough()
    {
        using var files = new DatasetFiles();
        files.WriteFile("ok.png", DatasetFiles.Png(1));
        files.WriteFile("cut.png", DatasetFiles.TruncatedPng(2));
        files.WriteFile("text.png", "this is not an image"u8.ToArray());
        files.WriteFile("empty.png", []);
        var jsonl = files.WriteText("d.jsonl", string.Join("\n",
            """{"image": "ok.png", "question": "q", "answers": ["a"]}""",
            """{"image": "cut.png", "question": "q", "answers": ["a"], "id": "cut"}""",
            """{"image": "text.png", "question": "q", "answers": ["a"]}""",
            """{"image": "empty.png", "question": "q", "answers": ["a"]}"""));

        var cheap = DatasetInspector.Inspect(jsonl);
        var verified = DatasetInspector.Inspect(jsonl, options: new InspectOptions { VerifyImages = true });

        Assert.Equal((4L, 0L), (cheap.Samples, cheap.Skipped));
        Assert.Equal((1L, 3L), (verified.Samples, verified.Skipped));
        Assert.Equal([1L, 2L, 3L], verified.Problems.Select(problem => problem.Row));
        Assert.Contains("cut: image", verified.Problems[0].Reason);
        Assert.Contains("(Truncated)", verified.Problems[0].Reason);
        Assert.Contains("(NotAnImage)", verified.Problems[1].Reason);
        Assert.Contains("(Empty)", verified.Problems[2].Reason);
    }

    [Fact]
    public void VerifyImagesReadsParquetImagesAndReportsADeletedImageFile()
    {
        using var files = new DatasetFiles();
        var shard = files.WriteLmmsParquet("v.parquet",
            [new("1", "q", ["a"], DatasetFiles.Png(1)), new("2", "q", ["a"], DatasetFiles.TruncatedPng(1))]);
        var verified = DatasetInspector.Inspect(shard, options: new InspectOptions { VerifyImages = true });
        Assert.Equal((1L, 1L), (verified.Samples, verified.Skipped));
        Assert.Contains("v.parquet row group 0 row 1 image 0", verified.Problems[0].Reason);

        var gone = files.WriteFile("gone.png", DatasetFiles.Png(1));
        var jsonl = files.WriteText("d.jsonl", """{"image": "gone.png", "question": "q"}""");
        var sample = Assert.Single(DocVqaReaders.Open(jsonl).Read().OfType<SampleRow>()).Sample;
        File.Delete(gone);
        var problem = DatasetInspector.FirstBadImage(sample, new SafeImageDecoder(ImageLimits.Default));
        Assert.StartsWith("Cannot read image", problem);
    }

    [Fact]
    public void ObserversSeeEveryUsableSampleAndAddTheirSummaryToTheJson()
    {
        using var files = new DatasetFiles();
        files.WriteFile("a.png", DatasetFiles.Png(1));
        var jsonl = files.WriteText("d.jsonl", string.Join("\n",
            """{"image": "a.png", "question": "short", "answers": ["a"]}""",
            """{"image": "missing.png", "question": "skipped", "answers": ["a"]}""",
            """{"image": "a.png", "question": "a longer question"}"""));
        var observer = new QuestionLengths();

        var result = DatasetInspector.Inspect(jsonl, options: new InspectOptions { Observers = [observer] });

        Assert.Equal(["short", "a longer question"], observer.Seen);
        Assert.Equal(1, result.Unanswered);
        var json = JsonNode.Parse(result.ToJson(indented: false))!;
        Assert.Equal(17, (int)json["question_lengths"]!["max"]!);
    }

    private sealed class QuestionLengths : IInspectionObserver
    {
        public List<string> Seen { get; } = [];

        public string ResultKey => "question_lengths";

        public void Observe(DocVqaSample sample) => Seen.Add(sample.Question);

        public JsonNode? Summarize() => new JsonObject { ["max"] = Seen.Max(question => question.Length) };
    }

    [Fact]
    public void TheJsonIsValidForAnEmptyResult()
    {
        using var files = new DatasetFiles();
        var json = DatasetInspector.Inspect(files.WriteOfficialJson("val_v1.0.json", [])).ToJson();
        using var document = JsonDocument.Parse(json);
        Assert.Equal(0, document.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(0, document.RootElement.GetProperty("problems").GetArrayLength());
    }
}
