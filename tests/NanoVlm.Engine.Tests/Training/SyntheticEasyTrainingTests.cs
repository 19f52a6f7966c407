using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Sources;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>The data bridge end to end: synthetic:easy documents through <see cref="TrainingDataFactory"/> into the <see cref="Trainer"/>.</summary>
public sealed class SyntheticEasyTrainingTests
{
    /// <summary>
    /// A model with the built-in tokenizer's vocabulary, small enough for a few steps a second: 64 px tiles in 16 px
    /// patches (4 image tokens per tile; a 128 px easy page is 2×2 tiles plus the global view).
    /// </summary>
    private static TrainingConfig MicroOnEasyPages(int steps) => TrainingPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
    {
        ModelPreset = "micro",
        Model = ModelPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
        {
            VitHiddenDim = 32,
            VitInterDim = 64,
            VitPatchSize = 16,
            VitNHeads = 2,
            VitNBlocks = 1,
            LmHiddenDim = 32,
            LmInterDim = 64,
            LmNBlocks = 2,
            MpImageTokenLength = 4,
        },
        Data = "synthetic:easy",
        Precision = PrecisionMode.Fp32,
        MaxSteps = steps,
        BatchSize = 4,
        MaxLength = 64,
        LrMp = 1e-2,
        LrVision = 1e-2,
        LrLanguage = 1e-2,
        WarmupFraction = 0,
        EvalInterval = steps,
        ValBatches = 1,
        HeadroomInterval = 0,
        Threads = 1,
        Seed = 2,
    };

    [Fact]
    public void A_small_model_trains_on_easy_documents_with_finite_falling_loss_and_validates()
    {
        var config = MicroOnEasyPages(steps: 8);
        var prepared = TrainingDataFactory.Create(config);
        var events = new TrainingFixtures.Recorder();
        using (var trainer = new Trainer(config, prepared.Data, new TrainerOptions { Evaluator = prepared.Evaluator }, events))
        {
            var outcome = trainer.Run();
            Assert.Equal(TrainingState.Completed, outcome.State);
        }

        var losses = events.Losses;
        Assert.Equal(8, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(losses.TakeLast(2).Average() < losses[0] - 1, $"losses: {string.Join(", ", losses)}");

        var evaluations = events.Of<EvaluationEvent>();
        Assert.Equal([0, 8], evaluations.Select(e => e.Step));
        Assert.All(evaluations, e => Assert.True(e.Anls is >= 0 and <= 1));
        Assert.True(evaluations[1].ValLoss < evaluations[0].ValLoss);
    }
}
