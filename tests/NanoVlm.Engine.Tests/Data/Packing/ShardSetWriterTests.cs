using NanoVlm.Engine.Data.Packing;
using NanoVlm.Engine.Tests.Model;

namespace NanoVlm.Engine.Tests.Data.Packing;

public sealed class ShardSetWriterTests
{
    // 2 px tiles, 3 placeholders (id 9) per tile, ids below 20.
    private static readonly ShardLayout Layout = new("test:", ImageTokenId: 9, PadTokenId: 1, TileSize: 2, ImageTokenLength: 3, VocabSize: 20);

    private static PackedSample Sample(string id, int tiles, int text = 4)
    {
        var ids = Enumerable.Repeat(9L, tiles * 3).Concat(Enumerable.Range(1, text).Select(i => (long)i)).ToArray();
        var labels = ids.Select((_, t) => t == ids.Length - 2 ? ids[^1] : -100L).ToArray();
        var pixels = Enumerable.Range(0, tiles * 12).Select(i => i / 100f).ToArray();
        return new PackedSample(id, ids, labels, pixels, tiles);
    }

    [Fact]
    public void Samples_come_back_in_order_across_shard_files_with_the_index_written_last()
    {
        using var temp = new TempDirectory();
        var folder = temp.File("shards");
        using (var writer = new ShardSetWriter(folder, Layout, samplesPerShard: 2))
        {
            writer.Add(ShardFormat.TrainSplit, Sample("a", 1));
            writer.Add(ShardFormat.TrainSplit, Sample("b", 0, text: 6));
            writer.Add(ShardFormat.ValidationSplit, Sample("v", 2));
            writer.Add(ShardFormat.TrainSplit, Sample("c", 3));
            Assert.False(File.Exists(Path.Combine(folder, ShardFormat.IndexFileName)));
            writer.Complete();
        }

        var index = ShardFolderReader.Index(folder);
        Assert.Equal((ShardFormat.Name, ShardFormat.Version, 9, 1, 2, 3, 20), (index.Format, index.Version, index.ImageTokenId, index.PadTokenId, index.TileSize, index.ImageTokenLength, index.VocabSize));
        var train = index.Splits[ShardFormat.TrainSplit];
        Assert.Equal(["train-00000.safetensors", "train-00001.safetensors"], train.Shards.Select(s => s.File));
        Assert.Equal((3L, 3 + 4 + 6 + 9 + 4L, 4L, 13), (train.Samples, train.Tokens, train.Tiles, train.MaxSampleTokens));
        Assert.Equal(3, train.LabelledTokens);

        var read = ShardFolderReader.Split(folder, ShardFormat.TrainSplit);
        Assert.Equal(["a", "b", "c"], read.Select(s => s.Id));
        foreach (var (expected, actual) in new[] { Sample("a", 1), Sample("b", 0, text: 6), Sample("c", 3) }.Zip(read))
        {
            Assert.Equal(expected.InputIds, actual.InputIds);
            Assert.Equal(expected.Labels, actual.Labels);
            Assert.Equal(expected.Pixels, actual.Pixels);
            Assert.Equal(expected.Tiles, actual.Tiles);
        }
        Assert.Equal(["v"], ShardFolderReader.Split(folder, ShardFormat.ValidationSplit).Select(s => s.Id));
    }

    [Fact]
    public void A_sample_that_does_not_fit_the_layout_is_refused_with_its_id()
    {
        using var temp = new TempDirectory();
        using var writer = new ShardSetWriter(temp.File("shards"), Layout);
        var good = Sample("good", 1);
        var cases = new[]
        {
            (good with { Id = "few-placeholders", Tiles = 2, Pixels = new float[24] }, "3 image placeholders for 2 tile(s)"),
            (good with { Id = "big-id", InputIds = [.. good.InputIds[..^1], 20] }, "token id 20 lies outside the vocabulary"),
            (good with { Id = "bad-label", Labels = [.. good.Labels[..^1], 25] }, "label 25"),
            (good with { Id = "short-pixels", Pixels = new float[11] }, "11 pixel values"),
            (good with { Id = "ragged", Labels = good.Labels[..^1] }, "need the same"),
        };
        foreach (var (sample, message) in cases)
        {
            var error = Assert.Throws<InvalidDataException>(() => writer.Add(ShardFormat.TrainSplit, sample));
            Assert.Contains($"'{sample.Id}'", error.Message, StringComparison.Ordinal);
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }
        Assert.Throws<InvalidDataException>(() => writer.Complete()); // nothing was packed: an empty train split is refused
    }

    [Fact]
    public void A_folder_that_is_not_empty_is_refused_and_an_unfinished_pack_leaves_no_shard_behind()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("something.txt"), "x");
        var refused = Assert.Throws<IOException>(() => new ShardSetWriter(temp.Path, Layout));
        Assert.Contains("not empty", refused.Message, StringComparison.Ordinal);

        var folder = temp.File("shards");
        using (var writer = new ShardSetWriter(folder, Layout, samplesPerShard: 1))
        {
            writer.Add(ShardFormat.TrainSplit, Sample("a", 1));
            writer.Add(ShardFormat.TrainSplit, Sample("b", 1));
            Assert.NotEmpty(Directory.GetFiles(folder));
        }
        Assert.Empty(Directory.GetFiles(folder)); // disposed without Complete: a cancel or an error
    }
}
