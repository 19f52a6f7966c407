using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// A process killed while writing a checkpoint runs no cleanup: what it leaves is a hidden staging folder with some
/// files half written. The store must never offer it, the previous checkpoint must still load, and the next start
/// (or save) removes it. A disk that fills up mid-write must fail with a message naming folder, reason and fix.
/// </summary>
public sealed class InterruptedCheckpointWriteTests
{
    [Fact]
    public void A_killed_write_is_never_listed_the_previous_checkpoint_loads_and_the_leftover_is_removed()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 2);
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions(), new TrainingFixtures.Recorder());
        var store = new CheckpointStore(folder.Path);
        var previous = store.Save(trainer.Session.Model, trainer.Session.Optimizer, trainer.Session.Snapshot());

        // What SIGKILL leaves mid-write: the staging folder of the next step, weights truncated, no trainer state.
        var staging = Path.Combine(folder.Path, $".{CheckpointStore.NameFor(1)}.partial-0123456789abcdef");
        Directory.CreateDirectory(staging);
        var weights = File.ReadAllBytes(Path.Combine(previous.Path, NanoVlmCheckpoint.WeightsFileName));
        File.WriteAllBytes(Path.Combine(staging, NanoVlmCheckpoint.WeightsFileName), weights[..(weights.Length / 3)]);
        File.Copy(Path.Combine(previous.Path, "config.json"), Path.Combine(staging, "config.json"));
        // And what a kill between the two renames of a replace leaves: the retired copy, hidden as well.
        var retired = Path.Combine(folder.Path, $".{previous.Name}.replaced-0123456789abcdef");
        Directory.CreateDirectory(retired);
        File.WriteAllBytes(Path.Combine(retired, CheckpointStore.StateFileName), [0x7b]);

        var reopened = new CheckpointStore(folder.Path);
        Assert.Equal(previous.Path, Assert.Single(reopened.List()).Path);
        Assert.Equal(previous.Path, reopened.Latest?.Path);
        var loaded = CheckpointStore.Load(previous.Path);
        Assert.Equal(0, loaded.State.Step);
        foreach (var tensor in loaded.OptimizerState.Values) tensor.Dispose();
        CheckpointStore.LoadWeights(trainer.Session.Model, previous.Path);

        var removed = reopened.RemoveAbandonedWrites();
        Assert.Equal(2, removed.Count);
        Assert.False(Directory.Exists(staging));
        Assert.False(Directory.Exists(retired));
        Assert.Equal(previous.Path, Assert.Single(Directory.EnumerateDirectories(folder.Path)));
    }

    [Fact]
    public void A_write_that_fails_for_lack_of_space_names_the_folder_the_reason_and_the_fix_and_keeps_the_earlier_checkpoint()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 2);
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions(), new TrainingFixtures.Recorder());
        var store = new CheckpointStore(folder.Path);
        var previous = store.Save(trainer.Session.Model, trainer.Session.Optimizer, trainer.Session.Snapshot());
        var weightsBefore = File.ReadAllBytes(Path.Combine(previous.Path, NanoVlmCheckpoint.WeightsFileName));

        // The checkpoints folder replaced by a file (root ignores permissions, so a read-only folder would not stop a
        // test running as root): every write into it fails with an IOException, as on a full disk.
        var aside = folder.Path + "-aside";
        Directory.Move(folder.Path, aside);
        File.WriteAllText(folder.Path, "not a folder");
        trainer.Session.Step = 1;
        CheckpointWriteException failure;
        try
        {
            failure = Assert.Throws<CheckpointWriteException>(() => store.Save(trainer.Session.Model, trainer.Session.Optimizer, trainer.Session.Snapshot()));
        }
        finally
        {
            File.Delete(folder.Path);
            Directory.Move(aside, folder.Path);
        }
        Assert.Contains(folder.Path, failure.Message, StringComparison.Ordinal);
        Assert.Contains(CheckpointStore.NameFor(1), failure.Message, StringComparison.Ordinal);
        Assert.Contains("Free space", failure.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(failure.InnerException);

        Assert.Equal(previous.Path, Assert.Single(store.List()).Path);
        Assert.Equal(weightsBefore, File.ReadAllBytes(Path.Combine(previous.Path, NanoVlmCheckpoint.WeightsFileName)));
    }
}
