using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Setup;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>One check at the edge: every problem at once, before anything is written; a resume's changes applied by the trainer.</summary>
public sealed class RunSetupTests
{
    private static readonly DeviceCapabilities NoAutocast = new(IsCuda: false, AutocastAvailable: false, Bf16Fast: false, "symbols missing");

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var config = TrainingFixtures.Micro() with { BatchSize = 0, MaxSteps = -1, Device = "tpu" };
        var refused = Assert.Throws<RunSetupException>(() => RunSetup.Check(config));
        Assert.Contains(refused.Problems, p => p.Contains("batch_size", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.Contains("max_steps", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.Contains("tpu", StringComparison.Ordinal));
    }

    [Fact]
    public void A_precision_the_device_cannot_run_is_refused_with_the_reason()
    {
        var refused = Assert.Throws<RunSetupException>(() =>
            RunSetup.Check(TrainingFixtures.Micro() with { Precision = PrecisionMode.Bf16 }, capabilities: NoAutocast));
        Assert.Contains("symbols missing", Assert.Single(refused.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_resume_from_the_last_step_or_with_another_schedule_is_refused_before_anything_is_written()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 3) with { CheckpointInterval = 1 };
        Assert.Equal(0, TrainCommand.Run(RunSetup.Check(config), folder.Path, Quiet(config), progress: null));
        var last = Path.Combine(folder.Path, RunFiles.CheckpointsFolder, "step_000003");
        var middle = Path.Combine(folder.Path, RunFiles.CheckpointsFolder, "step_000002");

        var complete = Assert.Throws<RunSetupException>(() => RunSetup.Check(config, new RunStart { Resume = new ResumeRequest(last) }));
        Assert.Contains("nothing left to resume", Assert.Single(complete.Problems), StringComparison.Ordinal);
        var longer = Assert.Throws<RunSetupException>(() => RunSetup.Check(config with { MaxSteps = 10 }, new RunStart { Resume = new ResumeRequest(middle) }));
        Assert.Contains("3-step schedule", Assert.Single(longer.Problems), StringComparison.Ordinal);
        var missing = Assert.Throws<RunSetupException>(() => RunSetup.Check(config, new RunStart { Resume = new ResumeRequest(folder.File("nowhere")) }));
        Assert.Contains("not a training checkpoint", Assert.Single(missing.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resume_in_another_precision_with_half_the_batch_trains_that_way_and_records_why()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 4) with { CheckpointInterval = 2, BatchSize = 4 };
        using (var first = RunSetup.Check(config).Launch(folder.Path, Quiet(config)))
        {
            // Let it write step 2, then stop it there.
            using var stopAt2 = first.Run.Subscribe(e =>
            {
                if (e is CheckpointEvent { Step: 2 }) first.Run.Cancel();
            });
            Assert.Equal(TrainingState.Cancelled, (await first.Run.Completion).State);
        }
        var checkpoint = Path.Combine(folder.Path, RunFiles.CheckpointsFolder, "step_000002");
        var setup = RunSetup.Check(config, new RunStart { Resume = new ResumeRequest(checkpoint, PrecisionMode.Fp16, HalveMicroBatch: true) });
        Assert.Equal((ComputePrecision.Fp16Emulated, 2, 2, 2), (setup.Precision, setup.MicroBatch, setup.GradAccum, setup.StartStep));

        var events = new TrainingFixtures.Recorder();
        using (var resumed = setup.Launch(folder.Path, Quiet(config) with { AlsoTo = events }))
        {
            Assert.Equal(TrainingState.Completed, (await resumed.Run.Completion).State);
        }
        Assert.Equal(2, events.Of<StateChangedEvent>()[0].Step); // queued at the resumed step, not at 0
        var change = Assert.Single(events.Of<PrecisionSwitchEvent>());
        Assert.Equal(("fp32", "fp16-emulated", 2, 2), (change.From, change.To, change.MicroBatch, change.GradAccum));
        Assert.All(events.Of<MetricsEvent>(), m => Assert.Equal(("fp16-emulated", 2, 2), (m.Precision, m.MicroBatch, m.GradAccum)));
        Assert.Equal([3, 4], events.Of<MetricsEvent>().Select(m => m.Step));
    }

    private static LaunchOptions Quiet(TrainingConfig config) =>
        new() { TensorBoard = false, Data = () => new SyntheticBatches(config.ResolveModel()) };
}
