using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Tests.Training;

public sealed class CheckpointAndResumeTests
{
    [Theory]
    [InlineData(PrecisionMode.Fp32, 1)]
    [InlineData(PrecisionMode.Fp16, 2)] // emulated fp16: the loss scaler's state must resume too
    public void Resuming_from_a_checkpoint_gives_the_uninterrupted_runs_losses(PrecisionMode precision, int gradAccum)
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 12) with
        {
            Precision = precision, GradAccum = gradAccum, CheckpointInterval = 5, KeepLastCheckpoints = 5, EvalInterval = 5,
            LossScale = new LossScaleConfig { GrowthInterval = 3 },
        };
        var uninterrupted = new TrainingFixtures.Recorder();
        using (var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions { CheckpointDirectory = folder.Path }, uninterrupted))
            Assert.Equal(TrainingState.Completed, trainer.Run().State);

        var resumed = new TrainingFixtures.Recorder();
        var options = new TrainerOptions { CheckpointDirectory = folder.File("resumed"), ResumeFrom = Path.Combine(folder.Path, "step_000005") };
        using (var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), options, resumed))
        {
            Assert.Equal(5, trainer.Session.Step);
            Assert.Equal(TrainingState.Completed, trainer.Run().State);
        }

        var expected = uninterrupted.Of<MetricsEvent>().Where(m => m.Step > 5).ToArray();
        var actual = resumed.Of<MetricsEvent>();
        Assert.Equal(expected.Select(m => m.Step), actual.Select(m => m.Step));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Loss, actual[i].Loss, 1e-6);
            Assert.Equal(expected[i].LossScale, actual[i].LossScale);
            Assert.Equal(expected[i].TokensSeen, actual[i].TokensSeen);
            Assert.Equal(expected[i].LearningRates["language"], actual[i].LearningRates["language"], 1e-15);
        }
        Assert.Equal(uninterrupted.Of<EvaluationEvent>()[^1].ValLoss, resumed.Of<EvaluationEvent>()[^1].ValLoss, 1e-6);
    }

    [Fact]
    public void Checkpoints_hold_a_nanoVLM_model_and_the_trainer_state_and_keep_the_last_K_and_the_best()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 8) with { CheckpointInterval = 2, KeepLastCheckpoints = 2, EvalInterval = 2 };
        var events = new TrainingFixtures.Recorder();
        using (var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions { CheckpointDirectory = folder.Path }, events))
            trainer.Run();

        var store = new CheckpointStore(folder.Path);
        var kept = store.List().Select(c => c.Step).ToArray();
        var best = events.Of<CheckpointEvent>().Last(c => c.Best);
        int[] lastTwo = [6, 8];
        var expectedKept = lastTwo.Union([best.Step]).Order().ToArray();
        Assert.Equal(expectedKept, kept);
        Assert.DoesNotContain(Directory.EnumerateDirectories(folder.Path), d => Path.GetFileName(d).StartsWith('.'));

        var latest = store.Latest!;
        using var loaded = NanoVlmCheckpoint.Load(latest.Path).Model; // any nanoVLM tool can read it
        Assert.Equal(config.ResolveModel().LmHiddenDim, loaded.Config.LmHiddenDim);
        var (state, optimizer) = CheckpointStore.Load(latest.Path);
        Assert.Equal(8, state.Step);
        Assert.Equal(8, state.OptimizerSteps);
        Assert.Equal(ComputePrecision.Fp32, state.Precision);
        Assert.Equal(32L, state.DataPosition.Samples);
        Assert.NotEmpty(state.TorchRngState);
        Assert.Contains("decoder.blocks.0.mlp.down_proj.weight.exp_avg_sq", optimizer.Keys);
        foreach (var t in optimizer.Values) t.Dispose();
    }

    [Fact]
    public void A_crash_while_writing_a_checkpoint_leaves_the_previous_one_whole()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 2);
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions(), new TrainingFixtures.Recorder());
        var store = new CheckpointStore(folder.Path);
        var session = trainer.Session;
        var first = store.Save(session.Model, session.Optimizer, session.Snapshot());
        var weightsBefore = File.ReadAllBytes(Path.Combine(first.Path, NanoVlmCheckpoint.WeightsFileName));

        trainer.Run(); // the weights move on
        store.BeforeCommit = staging =>
        {
            Assert.True(File.Exists(Path.Combine(staging, CheckpointStore.StateFileName))); // fully written, not yet in place
            throw new IOException("simulated crash before the rename");
        };
        session.Step = 0; // same name as the first checkpoint: the replace path
        Assert.Throws<IOException>(() => store.Save(session.Model, session.Optimizer, session.Snapshot()));

        var listed = Assert.Single(store.List());
        Assert.Equal(first.Path, listed.Path);
        Assert.Equal(weightsBefore, File.ReadAllBytes(Path.Combine(first.Path, NanoVlmCheckpoint.WeightsFileName)));
        Assert.Equal(0, CheckpointStore.Load(first.Path).State.Step);
        Assert.Single(Directory.EnumerateDirectories(folder.Path)); // no staging left behind
    }
}
