using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Guard;
using NanoVlm.Engine.Training.Precision;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>"Replay this step" in the engine: a failing step is kept (weights, batch, thumbnails) and replays in each precision.</summary>
public sealed class StepReplayTests(ITestOutputHelper output)
{
    private static readonly DeviceCapabilities WithoutBf16 = new(IsCuda: false, AutocastAvailable: true, Bf16Fast: false);

    [Fact]
    public void A_kept_fp16_overflow_replays_non_finite_as_run_and_finite_with_the_pin_and_in_float32()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Fp16OverflowMicro(steps: 60, NanPolicy.Stop);
        var events = new TrainingFixtures.Recorder();
        using (var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
                   new TrainerOptions { FailureDirectory = folder.File("failures"), Capabilities = WithoutBf16 }, events))
            Assert.Equal(TrainingState.Failed, trainer.Run().State);

        var alert = Assert.Single(events.Of<AlertEvent>(), a => a.Kind == AlertKind.Nan);
        Assert.NotNull(alert.Snapshot);
        var info = FailureSnapshots.ReadInfo(alert.Snapshot!);
        Assert.Equal(alert.Diagnosis!.FailedStep, info.Step);
        Assert.True(File.Exists(Path.Combine(alert.Snapshot!, FailureSnapshots.ThumbnailName(0))));

        var replay = StepReplay.Run(alert.Snapshot!, new PrecisionPolicy(WithoutBf16));

        foreach (var o in replay.Outcomes) output.WriteLine($"{o.Label} ({o.Precision}): finite {o.Finite}, loss {o.Loss}, {alert.Diagnosis.Module} max |a| {o.ModuleMaxAbs}");
        Assert.False(replay.Outcomes[0].Finite);                               // as the run computed: fp16 overflows again
        Assert.Contains(replay.Outcomes, o => o.Label.Contains("pins", StringComparison.Ordinal) && o.Finite);
        Assert.True(Assert.Single(replay.Outcomes, o => o.Precision == "fp32").Finite);
    }
}
