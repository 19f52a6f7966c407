using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Events;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// The <c>pin</c> NaN policy on a genuine fp16 overflow (the fp16-overflow preset's micro model, fp16 emulated on the CPU):
/// the overflowing module is computed in float32 and the run keeps fp16.
/// </summary>
public sealed class PinPolicyTests(ITestOutputHelper output)
{
    private static readonly DeviceCapabilities WithoutBf16 = new(IsCuda: false, AutocastAvailable: true, Bf16Fast: false);

    [Fact]
    public void Pin_rolls_back_pins_the_overflowing_down_projection_and_finishes_in_fp16_with_finite_losses()
    {
        using var folder = new TempDirectory();
        // Each of the micro model's down projections holds 14% of its parameters (a real model's far less); both overflow.
        var config = TrainingFixtures.Fp16OverflowMicro(steps: 60, NanPolicy.Pin) with { CheckpointInterval = 10, PinMaxParameterFraction = 0.5 };
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
            new TrainerOptions { CheckpointDirectory = folder.Path, Capabilities = WithoutBf16 }, events);

        var outcome = trainer.Run();

        Assert.Equal(TrainingState.Completed, outcome.State);
        var alert = events.Of<AlertEvent>().First(a => a.Kind == AlertKind.Nan);
        output.WriteLine($"{alert.Message} → {alert.Action}");
        Assert.Equal(NanVerdicts.PrecisionOverflow, alert.Diagnosis!.Verdict);
        Assert.StartsWith("rolled back and pinned", alert.Action, StringComparison.Ordinal);
        var pin = events.Of<PinEvent>()[0];
        var pinned = Assert.Single(pin.Added);
        Assert.Matches(@"^decoder\.blocks\.\d+\.mlp\.down_proj$", pinned);
        Assert.Equal(alert.Diagnosis.Module, pinned);
        Assert.InRange(pin.ParameterFraction, 1e-6, config.PinMaxParameterFraction);
        Assert.All(events.Of<PinEvent>().SelectMany(p => p.Added), m => Assert.Matches(@"^decoder\.blocks\.\d+\.mlp\.down_proj$", m));
        Assert.Empty(events.Of<PrecisionSwitchEvent>());

        // Still fp16 at the end, every recorded loss finite, and the pin is in the run's state and its checkpoints.
        var metrics = events.Of<MetricsEvent>();
        Assert.Equal((60, "fp16-emulated"), (metrics[^1].Step, metrics[^1].Precision));
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.Loss)));
        Assert.Contains(pinned, trainer.Session.Pins.Modules);
        var latest = new CheckpointStore(folder.Path).Latest!;
        Assert.Contains(pinned, CheckpointStore.ReadState(latest.Path).PinnedModules!);

        // The alert carries the flight recorder: the steps before the failure, oldest first, ending with the failing one.
        var recorder = alert.FlightRecorder!;
        Assert.True(recorder.Count >= 2, $"{recorder.Count} steps recorded");
        Assert.Equal(alert.Step, recorder[^1].Step);
        Assert.Equal("failed", recorder[^1].Status);
        Assert.Equal(recorder.Select(r => r.Step).Order(), recorder.Select(r => r.Step));
        Assert.All(recorder.SkipLast(1), r => Assert.True(double.IsFinite(r.Loss) && r.SampleIds.Count == config.BatchSize));
    }

    [Fact]
    public void Beyond_the_pin_limit_the_run_switches_precision_as_recover_does_says_why_and_drops_the_pins()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Fp16OverflowMicro(steps: 40, NanPolicy.Pin) with
        {
            CheckpointInterval = 10,
            PinMaxModules = 1,
            PinMaxParameterFraction = 0.5,
        };
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
            new TrainerOptions { CheckpointDirectory = folder.Path, Capabilities = WithoutBf16 }, events);

        Assert.Equal(TrainingState.Completed, trainer.Run().State);

        var pins = events.Of<PinEvent>();
        Assert.Single(pins[0].Added);
        var change = Assert.Single(events.Of<PrecisionSwitchEvent>());
        output.WriteLine(change.Reason);
        Assert.Equal(("fp16-emulated", "fp32"), (change.From, change.To));
        Assert.Contains("over pin_max_modules 1", change.Reason, StringComparison.Ordinal);
        Assert.Contains("switching to fp32", change.Reason, StringComparison.Ordinal);
        var unpinned = pins[^1]; // in fp32 a pin has nothing to do
        Assert.Equal(pins[0].Added, unpinned.Removed);
        Assert.Empty(unpinned.Pinned);
        Assert.Empty(trainer.Session.Pins.Modules);
        Assert.Equal("fp32", events.Of<MetricsEvent>()[^1].Precision);
    }

    [Fact]
    public void Pins_survive_a_resume_even_when_the_configuration_no_longer_names_them()
    {
        using var folder = new TempDirectory();
        const string DownProj = "decoder.blocks.0.mlp.down_proj";
        var config = TrainingFixtures.Micro(steps: 4) with
        {
            Precision = PrecisionMode.Fp16,
            PinnedModules = [DownProj],
            CheckpointInterval = 2,
        };
        using (var first = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions { CheckpointDirectory = folder.File("a") }, new TrainingFixtures.Recorder()))
            Assert.Equal(TrainingState.Completed, first.Run().State);
        var checkpoint = Path.Combine(folder.File("a"), CheckpointStore.NameFor(2));
        Assert.Equal([DownProj], CheckpointStore.ReadState(checkpoint).PinnedModules);

        // Resumed with a configuration that no longer names the pin: the checkpoint brings it back.
        var resumedConfig = config with { PinnedModules = [] };
        using var resumed = new Trainer(resumedConfig, new SyntheticBatches(resumedConfig.ResolveModel()),
            new TrainerOptions { CheckpointDirectory = folder.File("b"), ResumeFrom = checkpoint }, new TrainingFixtures.Recorder());
        Assert.Equal([DownProj], resumed.Session.Pins.Modules);
        Assert.Equal(TrainingState.Completed, resumed.Run().State);
    }

    [Fact]
    public void A_pin_that_names_no_module_of_the_model_is_refused_with_names_that_would_do()
    {
        var config = TrainingFixtures.Micro(steps: 2) with { PinnedModules = ["decoder.blocks.0.mlp.down"] };

        var error = Assert.Throws<ArgumentException>(() =>
            new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions(), new TrainingFixtures.Recorder()));

        Assert.Contains("'decoder.blocks.0.mlp.down'", error.Message, StringComparison.Ordinal);
        Assert.Contains("decoder.blocks.0.mlp.down_proj", error.Message, StringComparison.Ordinal);
    }
}
