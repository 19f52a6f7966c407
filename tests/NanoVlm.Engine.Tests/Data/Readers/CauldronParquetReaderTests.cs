using NanoVlm.Engine.Data;

namespace NanoVlm.Engine.Tests.Data.Readers;

public sealed class CauldronParquetReaderTests
{
    [Theory]
    [InlineData("element")]
    [InlineData("item")]
    public void EachRowIsAMultiTurnSampleOverItsImages(string itemName)
    {
        using var files = new DatasetFiles();
        var shard = files.WriteCauldronParquet("docvqa/train-00000-of-00014.parquet",
        [
            new([DatasetFiles.Png(1)], [("What is the date?", "March 3"), ("Who signed?", "J. Smith"), ("Total?", "$4")]),
            new([DatasetFiles.Png(2), DatasetFiles.Png(3)], [("Compare the pages.", "Same")]),
        ], itemName, rowGroupSize: 1);

        var read = ReadResults.Of(new CauldronParquetReader(shard));

        Assert.Empty(read.Skipped);
        var first = read.Samples[0].Sample;
        Assert.Equal("train-00000-of-00014.parquet#0", first.Id);
        Assert.Equal(["What is the date?", "Who signed?", "Total?"], first.Turns.Select(turn => turn.Question));
        Assert.Equal(["March 3", "J. Smith", "$4"], first.Turns.Select(turn => Assert.Single(turn.Answers)));
        Assert.Equal(DatasetFiles.Png(1), Assert.Single(first.Images).ReadBytes());
        var second = read.Samples[1].Sample;
        Assert.Equal("train-00000-of-00014.parquet#1", second.Id);
        Assert.Equal([DatasetFiles.Png(2), DatasetFiles.Png(3)], second.Images.Select(image => image.ReadBytes()));
    }

    [Fact]
    public void RowsWithoutImagesTextsOrWithNullPartsAreSkippedWithReasons()
    {
        using var files = new DatasetFiles();
        var shard = files.WriteCauldronParquet("train.parquet",
        [
            new([DatasetFiles.Png(1)], [("q", "a")]),
            new([], [("q", "a")]),
            new([DatasetFiles.Png(1), []], [("q", "a")]),
            new([DatasetFiles.Png(1)], []),
            new([DatasetFiles.Png(1)], [("q", "a"), (null, "a")]),
            new([DatasetFiles.Png(1)], [("q", null)]),
            new([DatasetFiles.Png(4)], [("last", "ok")]),
        ], rowGroupSize: 4);

        var read = ReadResults.Of(new CauldronParquetReader(shard));

        Assert.Equal([0L, 6L], read.Samples.Select(row => row.Row));
        Assert.Contains("train.parquet#1: the row has no image", read.SkippedAt(1).Reason);
        Assert.Contains("#2: image 1 is empty (0 bytes)", read.SkippedAt(2).Reason);
        Assert.Contains("#3: 'texts' is empty", read.SkippedAt(3).Reason);
        Assert.Contains("#4: texts[1].user is empty", read.SkippedAt(4).Reason);
        Assert.Contains("#5: texts[0].assistant is missing", read.SkippedAt(5).Reason);
        Assert.Equal(DatasetFiles.Png(4), read.Samples[1].Sample.Images[0].ReadBytes());
    }

    [Fact]
    public void AShardInTheOtherParquetLayoutIsReportedRowByRow()
    {
        using var files = new DatasetFiles();
        LmmsParquetReaderTests.LmmsRowsTo(files, "val.parquet", 0, 3);

        var read = ReadResults.Of(new CauldronParquetReader(files.PathOf("val.parquet")));

        Assert.Empty(read.Samples);
        Assert.Equal([0L, 1L, 2L], read.Skipped.Select(row => row.Row));
        Assert.All(read.Skipped, row => Assert.Contains("not in the cauldron-parquet layout", row.Reason));
    }
}
