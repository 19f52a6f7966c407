using NanoVlm.Engine.Data;

namespace NanoVlm.Engine.Tests.Data.Readers;

public sealed class LmmsParquetReaderTests
{
    [Theory]
    [InlineData("element")]
    [InlineData("item")]
    public void ReadsQuestionsAnswersIdsTypesAndImageBytesWhateverTheListItemName(string itemName)
    {
        using var files = new DatasetFiles();
        var png1 = DatasetFiles.Png(1);
        var png2 = DatasetFiles.Png(2);
        var shard = files.WriteLmmsParquet("validation-00000-of-00001.parquet",
        [
            new("49153", "What is the ‘actual’ value per 1000?", ["0.28"], png1, "pybv0228_81.png", 14465, ["figure/diagram"]),
            new("24580", "What is name of university?", ["university of california", "UC San Diego"], png2, DocId: 7027, QuestionTypes: ["layout", "form"]),
        ], itemName);

        var read = ReadResults.Of(new LmmsParquetReader(shard));

        Assert.Empty(read.Skipped);
        var first = read.Samples[0].Sample;
        Assert.Equal(("49153", "What is the ‘actual’ value per 1000?", "14465"), (first.Id, first.Question, first.DocId));
        Assert.Equal(["0.28"], first.Answers);
        Assert.Equal(["figure/diagram"], first.QuestionTypes);
        Assert.Equal(png1, Assert.Single(first.Images).ReadBytes());
        Assert.Contains("pybv0228_81.png", first.Images[0].Description);
        var second = read.Samples[1].Sample;
        Assert.Equal(["university of california", "UC San Diego"], second.Answers);
        Assert.Equal(["layout", "form"], second.QuestionTypes);
        Assert.Equal(png2, second.Images[0].ReadBytes());
    }

    [Fact]
    public void TestSplitRowsWithNullAnswersAreUnansweredSamples()
    {
        using var files = new DatasetFiles();
        var shard = files.WriteLmmsParquet("test-00000-of-00001.parquet", [new("1", "What is the date?", null, DatasetFiles.Png(1))]);

        var sample = Assert.Single(ReadResults.Of(new LmmsParquetReader(shard)).Samples).Sample;

        Assert.Empty(sample.Answers);
        Assert.False(sample.IsAnswered);
    }

    [Fact]
    public void RowsWithoutQuestionOrImageBytesAreSkippedWithReasons()
    {
        using var files = new DatasetFiles();
        var shard = files.WriteLmmsParquet("validation.parquet",
        [
            new("1", "good", ["a"], DatasetFiles.Png(1)),
            new("2", null, ["a"], DatasetFiles.Png(1)),
            new("3", "empty image in a group whose statistics show no null image", ["a"], []),
            new("4", "no image at all", ["a"], null, ImageIsNull: true),
            new("5", "empty image in a group whose bytes had to be read", ["a"], []),
            new("6", "", ["a"], DatasetFiles.Png(1)),
            new("7", "good too", ["b"], DatasetFiles.Png(2)),
        ], rowGroupSize: 3);

        var read = ReadResults.Of(new LmmsParquetReader(shard));

        Assert.Equal(["1", "3", "7"], read.All.Select(sample => sample.Id));
        Assert.Equal([0L, 2L, 6L], read.Samples.Select(row => row.Row));
        Assert.Contains("validation.parquet#1 (questionId 2): the question is empty", read.SkippedAt(1).Reason);
        Assert.Contains("#3 (questionId 4): the image has no bytes", read.SkippedAt(3).Reason);
        Assert.Contains("#4 (questionId 5): the image is empty (0 bytes)", read.SkippedAt(4).Reason);
        Assert.Contains("#5 (questionId 6): the question is empty", read.SkippedAt(5).Reason);
        // Row 2's image was not read (the cheap check trusts the statistics); using it finds it empty.
        Assert.Empty(read.Samples[1].Sample.Images[0].ReadBytes());
        Assert.Equal(DatasetFiles.Png(2), read.Samples[2].Sample.Images[0].ReadBytes());
    }

    [Fact]
    public void ShardsAndRowGroupsAreReadInOrderWithGlobalRowNumbers()
    {
        using var files = new DatasetFiles();
        LmmsRowsTo(files, "DocVQA/validation-00000-of-00002.parquet", 0, 5);
        LmmsRowsTo(files, "DocVQA/validation-00001-of-00002.parquet", 5, 4);

        var read = ReadResults.Of(new LmmsParquetReader(files.PathOf("DocVQA")));

        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"q{i}"), read.All.Select(sample => sample.Question));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), read.Samples.Select(row => row.Row));
        Assert.Equal(DatasetFiles.Png(7), read.Samples[7].Sample.Images[0].ReadBytes());
        // A repository clone: the folder above the shard folder works too.
        Assert.Equal(9, ReadResults.Of(new LmmsParquetReader(files.Root)).Samples.Count);
    }

    [Fact]
    public void AShardThatIsNotParquetAndAShardWithoutTheColumnsAreReportedNotThrown()
    {
        using var files = new DatasetFiles();
        LmmsRowsTo(files, "set/a-00000.parquet", 0, 2);
        files.WriteFile("set/b-00001.parquet", [.. "PAR1"u8, 1, 2, 3]);
        files.WriteCauldronParquet("set/c-00002.parquet", [new([DatasetFiles.Png(1)], [("q", "a")])]);
        LmmsRowsTo(files, "set/d-00003.parquet", 2, 1);

        var read = ReadResults.Of(new LmmsParquetReader(files.PathOf("set")));

        Assert.Equal(["q0", "q1", "q2"], read.All.Select(sample => sample.Question));
        Assert.Equal(2, read.Skipped.Count);
        Assert.Contains("b-00001.parquet is not a readable parquet file", read.Skipped[0].Reason);
        Assert.Contains("c-00002.parquet is not in the lmms-parquet layout: no 'question' string column and no 'image'", read.Skipped[1].Reason);
        Assert.Contains("images (list), texts (list)", read.Skipped[1].Reason);
    }

    [Fact]
    public void ImageBytesAreReadOnlyWhenAskedForAndOnceForTheirRowGroup()
    {
        using var files = new DatasetFiles();
        LmmsRowsTo(files, "v.parquet", 0, 40, rowGroupSize: 10);

        var samples = ReadResults.Of(new LmmsParquetReader(files.PathOf("v.parquet"))).All.ToList();
        var groups = samples.Select(sample => ((ParquetImageSource)sample.Images[0]).RowGroupImages).Distinct().ToList();

        Assert.Equal(4, groups.Count);
        Assert.All(groups, group => Assert.False(group.IsLoaded));
        Assert.Equal(DatasetFiles.Png(25), samples[25].Images[0].ReadBytes());
        Assert.Equal([false, false, true, false], groups.Select(group => group.IsLoaded));
    }

    internal static void LmmsRowsTo(DatasetFiles files, string relative, int first, int count, int rowGroupSize = 3) =>
        files.WriteLmmsParquet(relative,
            Enumerable.Range(first, count).Select(i => new DatasetFiles.LmmsRow($"{i}", $"q{i}", [$"a{i}"], DatasetFiles.Png(i))).ToList(),
            rowGroupSize: rowGroupSize);
}
