using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Model;
using SixLabors.ImageSharp.PixelFormats;
using static NanoVlm.Engine.Tests.Data.Collation.CollationFixtures;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Data.Collation;

public sealed class TrainingBatchCollatorTests
{
    [Fact]
    public void RowsAreLeftPaddedWithThePadIdMaskedAndIgnored()
    {
        var collator = new TrainingBatchCollator(Encoder(maxLength: 512));
        var shortSample = Page("short", ("Q?", "A"));
        var longSample = Page("long", ("A much longer question about the page?", "A longer answer"), ("And another?", "Yes"));
        var shortIds = collator.Encoder.Encode(shortSample).Sample!;
        var longIds = collator.Encoder.Encode(longSample).Sample!;

        using var batch = collator.Collate([shortSample, longSample]);
        Assert.Equal(["short", "long"], batch.SampleIds);
        Assert.Equal(new long[] { 2, longIds.Length }, batch.InputIds.shape);
        Assert.Equal(ScalarType.Int64, batch.InputIds.dtype);
        Assert.Equal(ScalarType.Int64, batch.Labels.dtype);
        var ids = batch.InputIds.data<long>().ToArray();
        var mask = batch.AttentionMask.data<long>().ToArray();
        var labels = batch.Labels.data<long>().ToArray();
        var length = longIds.Length;
        var pads = length - shortIds.Length;
        Assert.All(ids[..pads], id => Assert.Equal(Tokenizer.PadTokenId, id));
        Assert.All(mask[..pads], m => Assert.Equal(0, m));
        Assert.All(labels[..pads], l => Assert.Equal(-100, l));
        Assert.Equal(shortIds.InputIds, ids[pads..length]);
        Assert.Equal(shortIds.Labels, labels[pads..length]);
        Assert.All(mask[pads..], m => Assert.Equal(1, m));
        Assert.Equal(longIds.InputIds, ids[length..]);
        Assert.Equal(longIds.Labels, labels[length..]);
        Assert.Equal(shortIds.LabelledTokens + longIds.LabelledTokens, batch.LabelledTokens);
    }

    [Fact]
    public void RowsCanBePaddedToMaxLengthAsTheReferenceDoes()
    {
        var collator = new TrainingBatchCollator(Encoder(maxLength: 100, padding: PaddingLength.MaxLength));
        using var batch = collator.Collate([Page("p", ("Q?", "A"))]);
        Assert.Equal(new long[] { 1, 100 }, batch.InputIds.shape);
    }

    [Fact]
    public void PixelValuesHoldEveryTileInPlaceholderOrder()
    {
        var collator = new TrainingBatchCollator(Encoder(maxLength: 512));
        var red = Sample("red", Solid(128, 128, new Rgb24(255, 0, 0)), ("Q?", "A"));   // 2×2 + global = 5 tiles
        var blue = Sample("blue", Solid(64, 64, new Rgb24(0, 0, 255)), ("Q?", "A"));   // 1 tile
        using var batch = collator.Collate([red, blue]);

        Assert.Equal(new long[] { 6, 3, 64, 64 }, batch.PixelValues.shape);
        Assert.Equal(ScalarType.Float32, batch.PixelValues.dtype);
        var meanColour = batch.PixelValues.mean([2, 3]); // [6, 3]
        for (var tile = 0; tile < 5; tile++) Assert.Equal(1.0, meanColour[tile, 0].item<float>(), 3);
        Assert.Equal(1.0, meanColour[5, 2].item<float>(), 3);
        Assert.Equal(0.0, meanColour[5, 0].item<float>(), 3);
        Assert.Equal(batch.TileCount * PlaceholdersPerTile, batch.InputIds.eq(Tokenizer.ImageTokenId).sum().item<long>());
    }

    [Fact]
    public void SamplesThatCannotBeUsedAreDroppedAndCounted()
    {
        var collator = new TrainingBatchCollator(Encoder(maxLength: 60));
        var wrongSize = Sample("liar", new VqaImage(128, 128, () => new SixLabors.ImageSharp.Image<Rgb24>(64, 64)), ("Q?", "A"));
        var tooLong = Page("long", ("Q?", Words(80)));
        var fine = Page("fine", ("Q?", "A"));
        using var batch = collator.Collate([wrongSize, tooLong, fine]);

        Assert.Equal(["fine"], batch.SampleIds);
        var stats = collator.Statistics;
        Assert.Equal((3L, 1L, 2L), (stats.SamplesSeen, stats.SamplesKept, stats.SamplesDropped));
        Assert.Equal(1, stats.DroppedByReason[DropReason.ImageUnusable]);
        Assert.Equal(1, stats.DroppedByReason[DropReason.DoesNotFit]);
        Assert.Contains(stats.DropExamples, d => d.SampleId == "liar" && d.Message.Contains("declared a 128×128 image 0 but it is 64×64", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() => collator.Collate([tooLong]));
        Assert.Contains("Every sample of the batch was dropped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASyntheticBatchRunsThroughTheTinyModel()
    {
        manual_seed(5);
        var tokenizer = Tokenizer;
        var config = ModelPresets.Tiny(tokenizer.ImageTokenId);
        using var model = new VisionLanguageModel(config);
        var collator = TrainingBatchCollator.ForModel(config, tokenizer, new CollatorOptions(config.LmMaxLength));
        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, 3);
        using var scope = NewDisposeScope();
        var batch = collator.Collate([generator.Generate(SyntheticSplit.Train, 0).ToVqaSample(), generator.Generate(SyntheticSplit.Train, 1).ToVqaSample()]);

        // A 128 px page at 64 px tiles: 2×2 + global = 5 tiles of 16 placeholders per sample.
        Assert.Equal(new long[] { 10, 3, 64, 64 }, batch.PixelValues.shape);
        Assert.Equal(batch.TileCount * config.MpImageTokenLength, batch.InputIds.eq(config.ImageTokenId).sum().item<long>());

        var hidden = model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask);
        var loss = model.Loss(hidden, batch.Labels);
        var value = loss.item<float>();
        Assert.True(float.IsFinite(value) && value > 1, $"loss {value}");
        loss.backward();
        Assert.All(model.parameters(), p => Assert.False(p.grad is { } g && g.isnan().any().item<bool>()));
    }

    [Fact]
    public void ABatchWithEveryLabelIgnoredGivesZeroLossNotNaN()
    {
        manual_seed(6);
        var tokenizer = Tokenizer;
        var config = ModelPresets.Tiny(tokenizer.ImageTokenId);
        using var model = new VisionLanguageModel(config);
        var collator = TrainingBatchCollator.ForModel(config, tokenizer, new CollatorOptions(config.LmMaxLength));
        using var scope = NewDisposeScope();
        var batch = collator.Collate([Sample("p", Solid(64, 64, new Rgb24(1, 2, 3)), ("Q?", "A"))]);
        batch.Labels.fill_(-100);

        var loss = model.Loss(model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask), batch.Labels);
        Assert.Equal(0f, loss.item<float>());
        loss.backward();
        Assert.All(model.parameters(), p => Assert.False(p.grad is { } g && !g.isfinite().all().item<bool>()));
    }
}
