using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Data.Synthetic;

public sealed class SyntheticTrainingBatchSourceTests
{
    private static readonly NanoVlmTokenizer Tokenizer = BuiltInTokenizers.NanoVlmGpt2();

    private static SyntheticTrainingBatchSource Source(long seed, int maxLength = 512) =>
        SyntheticTrainingBatchSource.Create(SyntheticDifficulty.Easy, seed, ModelPresets.Tiny(Tokenizer.ImageTokenId), Tokenizer,
            new CollatorOptions(maxLength), batchSize: 3);

    [Fact]
    public void ASeekedSourceReplaysExactlyTheSameBatches()
    {
        using var scope = NewDisposeScope();
        var original = Source(seed: 21);
        original.NextBatch();
        var position = original.Position;
        Assert.Equal(new DataPosition(21, 3), position);
        var expected = new[] { original.NextBatch(), original.NextBatch() };

        var resumed = Source(seed: 21);
        resumed.Seek(position);
        foreach (var batch in expected)
        {
            var again = resumed.NextBatch();
            Assert.Equal(batch.SampleIds, again.SampleIds);
            Assert.True(batch.InputIds.equal(again.InputIds).all().item<bool>());
            Assert.True(batch.Labels.equal(again.Labels).all().item<bool>());
            Assert.True(batch.PixelValues.equal(again.PixelValues).all().item<bool>());
        }
        Assert.Equal(original.Position, resumed.Position);
        Assert.Throws<ArgumentException>(() => resumed.Seek(new DataPosition(22, 0)));
    }

    [Fact]
    public void BatchesAreFullAndMoveThroughTheStream()
    {
        using var scope = NewDisposeScope();
        var source = Source(seed: 4);
        var first = source.NextBatch();
        var second = source.NextBatch();
        Assert.Equal(3, first.BatchSize);
        Assert.Empty(first.SampleIds.Intersect(second.SampleIds));
        Assert.Equal(6, source.Statistics.SamplesKept);
    }

    [Fact]
    public void AMaxLengthTooSmallForThePagesFailsAtConfigurationTime()
    {
        // nanoVLM-460M: a hard 768×1024 page is resized to 1536×2048 = 4×3 tiles + global, 13 × (64 + 1) tokens.
        var error = Assert.Throws<MaxLengthTooSmallException>(() => SyntheticTrainingBatchSource.Create(
            SyntheticDifficulty.Hard, 1, ModelPresets.NanoVlm460M(Tokenizer.ImageTokenId), Tokenizer, new CollatorOptions(512), batchSize: 2));
        Assert.Contains("needs 845 image tokens, max_length is 512", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidationSetIsFixedAndDisjointFromTraining()
    {
        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, 8);
        var validation = new SyntheticValidationSet(generator, count: 7);
        var first = validation.Documents().Select(d => d.EncodePng()).ToList();
        var second = new SyntheticValidationSet(new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, 8), 7).Documents().Select(d => d.EncodePng()).ToList();
        Assert.Equal(first, second);

        var training = Enumerable.Range(0, 50).Select(i => generator.Generate(SyntheticSplit.Train, i).EncodePng()).ToList();
        Assert.DoesNotContain(first, png => training.Any(t => t.AsSpan().SequenceEqual(png)));

        var tokenizer = BuiltInTokenizers.NanoVlmGpt2();
        var collator = TrainingBatchCollator.ForModel(ModelPresets.Tiny(tokenizer.ImageTokenId), tokenizer, new CollatorOptions(512));
        using var scope = NewDisposeScope();
        var batches = validation.Batches(collator, batchSize: 3).ToList();
        Assert.Equal([3, 3, 1], batches.Select(b => b.BatchSize));
    }
}
