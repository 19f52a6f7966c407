using NanoVlm.Engine.Data.Packing;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Data.Packing;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Sources;
using static TorchSharp.torch;
using TrainerBatch = NanoVlm.Engine.Training.Data.TrainingBatch;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// `dataset pack` writes what the in-process trainer trains on: the packed samples, padded into batches the way the
/// collator pads them, are the trainer's batches, tensor for tensor, in the same order.
/// </summary>
public sealed class TrainingDataPackerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// The built-in tokenizer's vocabulary, 64 px tiles of 16 px patches (4 placeholders each), and max_img_size 256:
    /// a 128 px synthetic:easy page becomes 2×2 tiles plus a global view, so tile order matters.
    /// </summary>
    private static TrainingConfig Micro(string data = "synthetic:easy") => TrainingPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
    {
        ModelPreset = "micro",
        Model = ModelPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
        {
            VitHiddenDim = 32, VitInterDim = 64, VitPatchSize = 16, VitNHeads = 2, VitNBlocks = 1,
            LmHiddenDim = 32, LmInterDim = 64, LmNBlocks = 2, MpImageTokenLength = 4,
        },
        MaxSteps = 3,
        BatchSize = 4,
        MaxLength = 64,
        Seed = 7,
        Data = data,
    };

    [Fact]
    public void Synthetic_data_is_packed_as_the_trainer_batches_it()
    {
        var config = Micro();
        var folder = _temp.File("shards");
        var result = TrainingDataPacker.Pack(new PackRequest { Config = config, Folder = folder, SamplesPerShard = 5 });

        var model = config.ResolveModel();
        var index = ShardFolderReader.Index(folder);
        Assert.Equal(("synthetic:easy", (int)model.ImageTokenId, 64, 4, model.LmVocabSize), (index.Source, index.ImageTokenId, index.TileSize, index.ImageTokenLength, index.VocabSize));
        Assert.Equal(model.LmHiddenDim, index.Model!["lm_hidden_dim"]!.GetValue<int>());
        Assert.Equal(12, index.Splits[ShardFormat.TrainSplit].Samples); // 3 steps × batch 4 × accumulation 1
        Assert.Equal(12, index.Splits[ShardFormat.TrainSplit].SourceSamples);
        Assert.Equal(0, result.TrainDropped);
        Assert.Equal(TrainingDataFactory.SyntheticValidationDocuments, index.Splits[ShardFormat.ValidationSplit].Samples);

        var train = ShardFolderReader.Split(folder, ShardFormat.TrainSplit);
        Assert.All(train, s => Assert.Equal(5, s.Tiles)); // 2×2 grid and the global view
        var validation = ShardFolderReader.Split(folder, ShardFormat.ValidationSplit);
        var data = TrainingDataFactory.Create(config).Data;
        for (var b = 0; b < 3; b++)
        {
            using var scope = NewDisposeScope();
            AssertSameBatch(data.NextBatch(4), train.Skip(4 * b).Take(4).ToList(), index.PadTokenId);
        }
        var expectedValidation = data.Validation(4, int.MaxValue).ToList();
        Assert.Equal(12, expectedValidation.Count);
        for (var b = 0; b < expectedValidation.Count; b++)
        {
            AssertSameBatch(expectedValidation[b], validation.Skip(4 * b).Take(4).ToList(), index.PadTokenId);
        }
    }

    [Fact]
    public void A_DocVQA_source_is_packed_one_epoch_long_after_its_held_out_samples()
    {
        var source = _temp.File("docvqa");
        SyntheticDatasetWriter.Write(new MakeSyntheticRequest(source, Count: 30, Seed: 4));
        var config = Micro(source);
        var folder = _temp.File("shards");
        TrainingDataPacker.Pack(new PackRequest { Config = config, Folder = folder });

        // The trainer's stream, one sample at a time, until it wraps into its second epoch.
        var data = TrainingDataFactory.Create(config).Data;
        var expected = new List<(string Id, long[] Ids)>();
        while (true)
        {
            using var scope = NewDisposeScope();
            var batch = data.NextBatch(1);
            if (data.Position.Epoch > 0) break;
            expected.Add((batch.SampleIds[0], batch.InputIds.data<long>().ToArray()));
        }
        var train = ShardFolderReader.Split(folder, ShardFormat.TrainSplit);
        Assert.True(expected.Count > 5, $"the source should leave some samples for training after the held-out ones; it left {expected.Count}");
        Assert.Equal(expected.Select(e => e.Id), train.Select(s => s.Id));
        Assert.All(expected.Zip(train), pair => Assert.Equal(pair.First.Ids, pair.Second.InputIds));
        Assert.Equal(TrainingDataFactory.HeldOutSamples, ShardFolderReader.Index(folder).Splits[ShardFormat.ValidationSplit].Samples);
        var heldOut = ShardFolderReader.Split(folder, ShardFormat.ValidationSplit).Select(v => v.Id).ToHashSet();
        Assert.DoesNotContain(train, s => heldOut.Contains(s.Id));

        // Fewer samples when asked.
        var limited = _temp.File("limited");
        TrainingDataPacker.Pack(new PackRequest { Config = config, Folder = limited, TrainSamples = 3, ValidationSamples = 2 });
        Assert.Equal(expected.Take(3).Select(e => e.Id), ShardFolderReader.Split(limited, ShardFormat.TrainSplit).Select(s => s.Id));
        Assert.Equal(2, ShardFolderReader.Split(limited, ShardFormat.ValidationSplit).Count);
    }

    /// <summary>The packed samples, left-padded to the longest (pad id, mask 0, label −100), equal the trainer's batch.</summary>
    private static void AssertSameBatch(TrainerBatch batch, List<ShardFolderReader.Sample> samples, int padId)
    {
        Assert.Equal(batch.SampleIds, samples.Select(s => s.Id));
        var length = samples.Max(s => s.InputIds.Length);
        Assert.Equal([samples.Count, length], batch.InputIds.shape);
        var ids = batch.InputIds.data<long>().ToArray();
        var mask = batch.AttentionMask.data<long>().ToArray();
        var labels = batch.Labels.data<long>().ToArray();
        for (var r = 0; r < samples.Count; r++)
        {
            var pad = length - samples[r].InputIds.Length;
            var row = r * length;
            Assert.Equal(Enumerable.Repeat((long)padId, pad).Concat(samples[r].InputIds), ids[row..(row + length)]);
            Assert.Equal(Enumerable.Repeat(0L, pad).Concat(Enumerable.Repeat(1L, samples[r].InputIds.Length)), mask[row..(row + length)]);
            Assert.Equal(Enumerable.Repeat(ShardFormat.IgnoreIndex, pad).Concat(samples[r].Labels), labels[row..(row + length)]);
        }
        Assert.Equal(samples.SelectMany(s => s.Pixels), batch.PixelValues!.data<float>().ToArray()); // tiles in row order
    }
}
