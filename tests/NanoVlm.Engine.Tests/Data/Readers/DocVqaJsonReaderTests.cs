using System.Text.Json.Nodes;
using NanoVlm.Engine.Data;

namespace NanoVlm.Engine.Tests.Data.Readers;

public sealed class DocVqaJsonReaderTests
{
    [Fact]
    public void ReadsEveryFieldOfTheReleaseItemsWithImagesRelativeToTheJson()
    {
        using var files = new DatasetFiles();
        var png = DatasetFiles.Png(1);
        files.WriteFile("documents/pybv0228_81.png", png);
        files.WriteFile("documents/mxcj0037_1.png", DatasetFiles.Png(2));
        var json = files.WriteOfficialJson("val_v1.0.json",
        [
            DatasetFiles.OfficialItem(49153, "What is the ‘actual’ value per 1000, during the year 1975?", "documents/pybv0228_81.png", ["0.28"], 14465, ["figure/diagram"]),
            DatasetFiles.OfficialItem(24580, "What is name of university?", "documents/mxcj0037_1.png",
                ["university of california", "University of California", "university of california, san diego"], 7027, ["layout", "form"]),
        ]);

        var read = ReadResults.Of(new DocVqaJsonReader(json));

        Assert.Empty(read.Skipped);
        Assert.Equal([0L, 1L], read.Samples.Select(row => row.Row));
        var first = read.Samples[0].Sample;
        Assert.Equal("49153", first.Id);
        Assert.Equal("What is the ‘actual’ value per 1000, during the year 1975?", first.Question);
        Assert.Equal(["0.28"], first.Answers);
        Assert.Equal("14465", first.DocId);
        Assert.Equal(["figure/diagram"], first.QuestionTypes);
        Assert.Equal(png, Assert.Single(first.Images).ReadBytes());
        Assert.Equal(files.PathOf("documents/pybv0228_81.png"), first.Images[0].Description);
        var second = read.Samples[1].Sample;
        Assert.Equal(3, second.Answers.Count);
        Assert.Equal(["layout", "form"], second.QuestionTypes);
        Assert.True(second.IsAnswered);
    }

    [Fact]
    public void TestSplitItemsWithoutAnswersAreSamplesWithNoAnswers()
    {
        using var files = new DatasetFiles();
        files.WriteFile("documents/a.png", DatasetFiles.Png(1));
        var json = files.WriteOfficialJson("test_v1.0.json",
            [DatasetFiles.OfficialItem(1, "What is the date?", "documents/a.png", answers: null)], split: "test");

        var sample = Assert.Single(ReadResults.Of(new DocVqaJsonReader(json)).Samples).Sample;

        Assert.Empty(sample.Answers);
        Assert.False(sample.IsAnswered);
    }

    [Fact]
    public void MalformedItemsAndMissingImagesAreSkippedWithReasonsAndTheRestIsRead()
    {
        using var files = new DatasetFiles();
        files.WriteFile("documents/a.png", DatasetFiles.Png(1));
        var noQuestion = DatasetFiles.OfficialItem(3, "q", "documents/a.png", ["x"]);
        noQuestion.Remove("question");
        var json = files.WriteOfficialJson("train_v1.0.json",
        [
            DatasetFiles.OfficialItem(1, "good one", "documents/a.png", ["yes"]),
            JsonValue.Create(42),
            noQuestion,
            DatasetFiles.OfficialItem(4, "   ", "documents/a.png", ["x"]),
            new JsonObject { ["questionId"] = 5, ["question"] = "q", ["image"] = "documents/a.png", ["answers"] = "not a list" },
            new JsonObject { ["questionId"] = 6, ["question"] = "q", ["image"] = "documents/a.png", ["answers"] = new JsonArray(1, 2) },
            new JsonObject { ["questionId"] = 7, ["question"] = "q", ["answers"] = new JsonArray("x") },
            DatasetFiles.OfficialItem(8, "where is it?", "documents/missing.png", ["x"]),
            DatasetFiles.OfficialItem(9, "good two", "documents/a.png", ["no"]),
        ]);

        var read = ReadResults.Of(new DocVqaJsonReader(json));

        Assert.Equal(["1", "9"], read.All.Select(sample => sample.Id));
        Assert.Equal([0L, 8L], read.Samples.Select(row => row.Row));
        Assert.Equal(7, read.Skipped.Count);
        Assert.Contains("is a number, not an object", read.SkippedAt(1).Reason);
        Assert.Contains("'question' is missing", read.SkippedAt(2).Reason);
        Assert.Contains("'question' is empty", read.SkippedAt(3).Reason);
        Assert.Contains("'answers' is a string, not a list of strings", read.SkippedAt(4).Reason);
        Assert.Contains("'answers[0]' is a number", read.SkippedAt(5).Reason);
        Assert.Contains("'image' is missing", read.SkippedAt(6).Reason);
        Assert.Contains("image not found", read.SkippedAt(7).Reason);
        Assert.Contains(files.PathOf("documents/missing.png"), read.SkippedAt(7).Reason);
        Assert.All(read.Skipped, skipped => Assert.StartsWith("train_v1.0.json data[", skipped.Reason));
    }

    [Fact]
    public void FindsImagesInTheOfficialDownloadLayoutWhereQuestionsAndImagesAreSiblingFolders()
    {
        using var files = new DatasetFiles();
        files.WriteFile("spdocvqa_images/documents/a.png", DatasetFiles.Png(1));
        var json = files.WriteOfficialJson("spdocvqa_qas/val_v1.0_withQT.json",
            [DatasetFiles.OfficialItem(1, "q", "documents/a.png", ["x"])]);

        var sample = Assert.Single(ReadResults.Of(new DocVqaJsonReader(json)).Samples).Sample;

        Assert.Equal(files.PathOf("spdocvqa_images/documents/a.png"), ((FileImageSource)sample.Images[0]).Path);
    }

    [Fact]
    public void StreamsThousandsOfItemsAcrossBufferBoundariesIncludingOneLargerThanTheBuffer()
    {
        using var files = new DatasetFiles();
        files.WriteFile("documents/a.png", DatasetFiles.Png(1));
        var longQuestion = string.Concat(Enumerable.Repeat("a very long question ", 10_000)); // ~200 kB, over the 64 kB window
        var items = Enumerable.Range(0, 3000)
            .Select(i => (JsonNode)DatasetFiles.OfficialItem(i, i == 1500 ? longQuestion : $"question {i} é ✓", "documents/a.png", [$"answer {i}"]))
            .ToList();
        var json = files.WriteOfficialJson("train_v1.0.json", items);

        var read = ReadResults.Of(new DocVqaJsonReader(json));

        Assert.Empty(read.Skipped);
        Assert.Equal(3000, read.Samples.Count);
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => $"answer {i}"), read.All.Select(sample => sample.Answers[0]));
        Assert.Equal("question 2999 é ✓", read.Samples[^1].Sample.Question);
        Assert.Equal(longQuestion, read.Samples[1500].Sample.Question);
    }

    [Fact]
    public void HeaderPropertiesAfterTheArrayAndNestedHeaderValuesAreFine()
    {
        using var files = new DatasetFiles();
        files.WriteFile("documents/a.png", DatasetFiles.Png(1));
        var item = DatasetFiles.OfficialItem(1, "q", "documents/a.png", ["x"]).ToJsonString();
        var json = files.WriteText("val_v1.0.json",
            $$"""{"meta": {"nested": [1, {"data": []}]}, "dataset_split": "val", "data": [{{item}}, {{item}}], "after": "x"}""");

        Assert.Equal(2, ReadResults.Of(new DocVqaJsonReader(json)).Samples.Count);
    }

    [Fact]
    public void ATruncatedFileYieldsTheItemsBeforeTheCutAndOneProblemForTheRest()
    {
        using var files = new DatasetFiles();
        files.WriteFile("documents/a.png", DatasetFiles.Png(1));
        var full = File.ReadAllText(files.WriteOfficialJson("whole.json",
            Enumerable.Range(0, 10).Select(i => (JsonNode?)DatasetFiles.OfficialItem(i, $"q{i}", "documents/a.png", ["x"]))));
        var cut = full[..full.IndexOf("\"q7\"", StringComparison.Ordinal)];
        var json = files.WriteText("val_v1.0.json", cut);

        var read = ReadResults.Of(new DocVqaJsonReader(json));

        Assert.Equal(7, read.Samples.Count);
        var problem = Assert.Single(read.Skipped);
        Assert.Equal(7, problem.Row);
        Assert.Contains("truncated", problem.Reason);
        Assert.Contains("from row 7 on", problem.Reason);
    }

    [Fact]
    public void InvalidJsonInsideAnItemIsReportedWithItsPosition()
    {
        using var files = new DatasetFiles();
        files.WriteFile("documents/a.png", DatasetFiles.Png(1));
        var good = DatasetFiles.OfficialItem(1, "q", "documents/a.png", ["x"]).ToJsonString();
        var json = files.WriteText("val_v1.0.json", $$"""{"data": [{{good}}, {"question": "q" "image": 1}, {{good}}]}""");

        var read = ReadResults.Of(new DocVqaJsonReader(json));

        Assert.Single(read.Samples);
        Assert.Contains("Invalid JSON near byte", Assert.Single(read.Skipped).Reason);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("{\"version\": 1}", "no top-level \"data\" array")]
    [InlineData("[1, 2]", "Expected a JSON object at the top level")]
    [InlineData("{\"data\": 5}", "not an array")]
    public void FilesThatAreNotReleaseFilesGiveOneProblemAndNoSamples(string content, string expected)
    {
        using var files = new DatasetFiles();
        var json = files.WriteText("val_v1.0.json", content);

        var read = ReadResults.Of(new DocVqaJsonReader(json));

        Assert.Empty(read.Samples);
        Assert.Contains(expected, Assert.Single(read.Skipped).Reason);
    }

    [Fact]
    public void AnEmptyDataArrayGivesNothing()
    {
        using var files = new DatasetFiles();
        var read = ReadResults.Of(new DocVqaJsonReader(files.WriteOfficialJson("val_v1.0.json", [])));
        Assert.Empty(read.Samples);
        Assert.Empty(read.Skipped);
    }
}
