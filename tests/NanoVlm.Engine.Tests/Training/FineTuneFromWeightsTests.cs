using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Checkpoints.HuggingFace;
using NanoVlm.Engine.Tests.Checkpoints.Sources;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Sources;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// Runs started from existing weights (<see cref="TrainerOptions.InitialWeights"/>): the first step's loss must be the
/// loss those weights have on that batch, which is what "continues the loss rather than restarting it" means.
/// </summary>
public sealed class FineTuneFromWeightsTests
{
    [Fact]
    public void The_first_steps_loss_from_a_runs_checkpoint_equals_that_checkpoints_evaluation_loss_on_the_same_batch()
    {
        using var temp = new TempDirectory();
        var run = temp.File("parent");
        var config = TrainingFixtures.Micro(steps: 12) with { CheckpointInterval = 12 };
        using (var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
                   new TrainerOptions { CheckpointDirectory = Path.Combine(run, "checkpoints") }, new TrainingFixtures.Recorder()))
            Assert.Equal(TrainingState.Completed, trainer.Run().State);
        var checkpoint = Path.Combine(run, "checkpoints", "step_000012");
        var fromScratch = FirstLoss(config, new SyntheticBatches(config.ResolveModel()), initialWeights: null);

        var fork = config with { MaxSteps = 2, LrMp = 1e-3 }; // a fork with changed settings, fresh data stream
        var firstLoss = FirstLoss(fork, new SyntheticBatches(config.ResolveModel()), checkpoint);

        var evaluated = EvaluationLoss(checkpoint, new SyntheticBatches(config.ResolveModel()).NextBatch(config.BatchSize));
        Assert.Equal(evaluated, firstLoss, evaluated * 1e-5);
        Assert.True(firstLoss < 0.8 * fromScratch, $"from the checkpoint {firstLoss:g4}, from scratch {fromScratch:g4}");
    }

    [ReferenceCaseTheory]
    [InlineData("basic-tied")]      // head stored once as decoder.head.weight
    [InlineData("untied-generate")] // head and embedding stored apart
    public void A_checkpoint_written_by_the_Python_reference_fine_tunes_from_its_own_loss(string caseName)
    {
        using var temp = new TempDirectory();
        var folder = FineTuneFixtures.CopyReferenceModel(caseName, temp.File("model"));
        FineTuneFixtures.WriteTokenizer(folder);
        var source = ModelSourceResolver.Resolve(folder);
        var config = TrainingFixtures.Micro(steps: 2) with { ModelPreset = caseName, Model = source.Config };
        var length = source.Config.MpImageTokenLength + 8;

        var events = new TrainingFixtures.Recorder();
        using (var trainer = new Trainer(config, new SyntheticBatches(source.Config, length), new TrainerOptions { InitialWeights = source.Directory }, events))
            Assert.Equal(TrainingState.Completed, trainer.Run().State);

        var evaluated = EvaluationLoss(source.Directory, new SyntheticBatches(source.Config, length).NextBatch(config.BatchSize));
        Assert.Equal(evaluated, events.Losses[0], evaluated * 1e-5);
        Assert.True(double.IsFinite(events.Losses[1]));
    }

    [Fact]
    public void An_imported_model_trains_on_real_batches_made_with_the_tokenizer_recorded_at_import()
    {
        using var temp = new TempDirectory();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path, l: new LanguageDims(Vocab: 300));
        FineTuneFixtures.WriteTokenizer(language);
        var imported = temp.File("imported");
        // 16 px SigLIP tiles: pages up to 64 px are cut into at most 4×4 tiles plus a global view.
        HfBackboneImporter.Import(vision, language, imported, new HfImportOptions
        {
            PixelShuffleFactor = 2, BaseConfig = new VlmConfig { MaxImgSize = 64 },
        });
        var source = ModelSourceResolver.Resolve(imported);
        var config = TrainingFixtures.Micro(steps: 2) with { ModelPreset = "imported", Model = source.Config, Data = "synthetic:easy", BatchSize = 2, MaxLength = 256 };

        var events = new TrainingFixtures.Recorder();
        using (var trainer = new Trainer(config, TrainingDataFactory.Create(config, source.Tokenizer.File).Data,
                   new TrainerOptions { InitialWeights = source.Directory }, events))
            Assert.Equal(TrainingState.Completed, trainer.Run().State);

        using var scope = NewDisposeScope();
        var batch = TrainingDataFactory.Create(config, source.Tokenizer.File).Data.NextBatch(config.BatchSize);
        var ids = batch.InputIds.data<long>().ToArray();
        var tokenizer = source.Tokenizer.Tokenizer;
        // nanoVLM's image string: the placeholders at <|image|> = 300, a global view marker at 301, tile markers after it.
        Assert.Equal(batch.PixelValues!.shape[0] * source.Config.MpImageTokenLength, ids.Count(id => id == 300));
        Assert.Contains(ids, id => id == tokenizer.GlobalImageTokenId && id == 301);
        Assert.Contains(ids, id => id == tokenizer.TileTokenId(1, 1));
        Assert.True(ids.Max() < source.Config.LmVocabSize);
        var evaluated = EvaluationLoss(source.Directory, batch);
        Assert.Equal(evaluated, events.Losses[0], evaluated * 1e-5);
    }

    private static double FirstLoss(TrainingConfig config, ITrainingData data, string? initialWeights)
    {
        var events = new TrainingFixtures.Recorder();
        using (var trainer = new Trainer(config, data, new TrainerOptions { InitialWeights = initialWeights }, events))
            Assert.Equal(TrainingState.Completed, trainer.Run().State);
        return events.Losses[0];
    }

    /// <summary>The loss of a checkpoint's weights on a batch, without gradients, in float32.</summary>
    private static double EvaluationLoss(string checkpoint, TrainingBatch batch)
    {
        using var model = NanoVlmCheckpoint.Load(checkpoint).Model;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hidden = model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask);
        return model.Loss(hidden, batch.Labels).item<float>();
    }
}
