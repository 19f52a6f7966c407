using NanoVlm.Engine.Data;

namespace NanoVlm.Engine.Tests.Data.Readers;

public sealed class JsonlReaderTests
{
    [Fact]
    public void ReadsLinesSkipsBlankOnesAndReportsEveryBadLineByNumber()
    {
        using var files = new DatasetFiles();
        var png = DatasetFiles.Png(3);
        files.WriteFile("pages/a.png", png);
        var jsonl = files.WriteText("custom.jsonl", string.Join("\n",
            """{"image": "pages/a.png", "question": "Who signed?", "answers": ["J. Smith", "John Smith"], "id": "q1", "question_types": ["handwritten"]}""",
            "",
            """{"image": "pages/a.png", "question": "Total?", "answers": ["$12.50"]}""",
            """{"image": "pages/a.png", "question": "broken" """,
            """["not", "an", "object"]""",
            """{"image": "pages/nope.png", "question": "Missing image?", "answers": ["x"]}""",
            """{"image": "pages/a.png", "answers": ["x"]}""",
            """{"image": "pages/a.png", "question": "Unanswered"}""",
            "   ",
            ""));

        var read = ReadResults.Of(new JsonlReader(jsonl));

        Assert.Equal(["q1", "custom.jsonl line 3", "custom.jsonl line 8"], read.All.Select(sample => sample.Id));
        var first = read.Samples[0].Sample;
        Assert.Equal(["J. Smith", "John Smith"], first.Answers);
        Assert.Equal(["handwritten"], first.QuestionTypes);
        Assert.Equal(png, first.Images[0].ReadBytes());
        Assert.False(read.Samples[2].Sample.IsAnswered);
        Assert.Equal(4, read.Skipped.Count);
        Assert.Contains("line 4: not valid JSON", read.Skipped[0].Reason);
        Assert.Contains("line 5 is a list, not an object", read.Skipped[1].Reason);
        Assert.Contains("line 6: image not found", read.Skipped[2].Reason);
        Assert.Contains("line 7: 'question' is missing", read.Skipped[3].Reason);
        Assert.Equal(7, read.Samples.Count + read.Skipped.Count);
    }

    [Fact]
    public void AFolderOfFilesIsReadInNameOrderWithRowsNumberedOnAndAbsoluteImagePathsWork()
    {
        using var files = new DatasetFiles();
        var image = files.WriteFile("elsewhere/b.png", DatasetFiles.Png(4));
        files.WriteText("set/b.jsonl", $$"""{"image": "{{image}}", "question": "second file", "answers": ["2"]}""");
        files.WriteText("set/a.jsonl", $$"""{"image": "{{image}}", "question": "first file", "answers": ["1"]}""" + "\n" +
            $$"""{"image": "{{image}}", "question": "first file again", "answers": ["1b"]}""");

        var read = ReadResults.Of(new JsonlReader(files.PathOf("set")));

        Assert.Equal(["first file", "first file again", "second file"], read.All.Select(sample => sample.Question));
        Assert.Equal([0L, 1L, 2L], read.Samples.Select(row => row.Row));
    }

    [Fact]
    public void AnEmptyFileIsOneProblem()
    {
        using var files = new DatasetFiles();
        var read = ReadResults.Of(new JsonlReader(files.WriteText("empty.jsonl", "\n\n")));
        Assert.Empty(read.Samples);
        Assert.Contains("empty.jsonl is empty", Assert.Single(read.Skipped).Reason);
    }
}
