using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>Every NaN-guard verdict and policy, on genuine failures where possible (the injector only for divergence).</summary>
public sealed class NanGuardTests(ITestOutputHelper output)
{
    private static readonly DeviceCapabilities WithFastBf16 = new(IsCuda: false, AutocastAvailable: true, Bf16Fast: true);
    private static readonly DeviceCapabilities WithoutBf16 = new(IsCuda: false, AutocastAvailable: true, Bf16Fast: false);

    [Fact]
    public void Fp16_overflow_preset_overflows_for_real_and_is_diagnosed_as_precision_overflow_in_the_down_projection()
    {
        var config = TrainingFixtures.Fp16OverflowMicro(steps: 90, NanPolicy.Stop);
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions(), events);

        var outcome = trainer.Run();

        Assert.Equal(TrainingState.Failed, outcome.State);
        var diagnosis = outcome.Diagnosis!;
        output.WriteLine($"step {diagnosis.FailedStep}: {diagnosis.Explanation}");
        Assert.Equal(NanVerdicts.PrecisionOverflow, diagnosis.Verdict);
        Assert.Equal("loss", diagnosis.Symptom);
        Assert.Equal("fp16-emulated", diagnosis.Precision);
        Assert.Matches(@"^decoder\.blocks\.\d+\.mlp\.down_proj$", diagnosis.Module);
        Assert.True(diagnosis.Float32Finite);
        Assert.True(diagnosis.Float32ModuleOutputMaxAbs > 65504, "in float32 the same output exceeds fp16's range");
        Assert.True(double.IsFinite(diagnosis.ModuleInputMaxAbs!.Value));
        Assert.Equal(config.BatchSize, diagnosis.SampleIds.Count);
        Assert.NotNull(diagnosis.LossScale);
        Assert.Equal(0.05, diagnosis.LearningRates["language"], 1e-12);
        Assert.Empty(diagnosis.NonFiniteParameters);

        // The headroom warnings came before the overflow, naming the same kind of layer.
        var warnings = events.Of<AlertEvent>().Where(a => a.Kind == AlertKind.Headroom).ToArray();
        Assert.Contains(warnings, w => w.Step < diagnosis.FailedStep && w.Headroom![0].Module.EndsWith("mlp.down_proj", StringComparison.Ordinal));
        var nan = Assert.Single(events.Of<AlertEvent>(), a => a.Kind == AlertKind.Nan);
        Assert.StartsWith("stopped", nan.Action, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_preset_in_bf16_trains_with_finite_falling_loss()
    {
        var config = TrainingFixtures.Fp16OverflowMicro(steps: 90, NanPolicy.Stop) with { Precision = PrecisionMode.Bf16 };
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions { Capabilities = WithFastBf16 }, events);

        Assert.Equal(TrainingState.Completed, trainer.Run().State);

        Assert.All(events.Of<MetricsEvent>(), m => Assert.True(double.IsFinite(m.Loss)));
        var evaluations = events.Of<EvaluationEvent>();
        output.WriteLine($"bf16 val loss {evaluations[0].ValLoss:0.000} → {evaluations[^1].ValLoss:0.000}");
        Assert.True(evaluations[^1].ValLoss < 0.5 * evaluations[0].ValLoss);
    }

    [Fact]
    public void Recover_rolls_back_and_switches_fp16_to_bf16_where_bf16_is_fast()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Fp16OverflowMicro(steps: 90, NanPolicy.Recover);
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
            new TrainerOptions { CheckpointDirectory = folder.Path, Capabilities = WithFastBf16 }, events);

        var outcome = trainer.Run();

        Assert.Equal(TrainingState.Completed, outcome.State);
        var rollback = Assert.Single(events.Of<RollbackEvent>());
        Assert.Equal(rollback.FromStep / 25 * 25, rollback.ToStep); // the last checkpoint before the failure
        var change = Assert.Single(events.Of<PrecisionSwitchEvent>());
        Assert.Equal(("fp16-emulated", "bf16", 4, 1), (change.From, change.To, change.MicroBatch, change.GradAccum));
        Assert.Equal("bf16", events.Of<MetricsEvent>()[^1].Precision);
        Assert.Equal(90, events.Of<MetricsEvent>()[^1].Step);
        Assert.Contains(trainer.Session.PrecisionHistory, p => p.Precision == ComputePrecision.Bf16 && p.Step == rollback.ToStep);
    }

    [Fact]
    public void Recover_without_fast_bf16_switches_to_fp32_with_half_the_micro_batch_and_twice_the_accumulation()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Fp16OverflowMicro(steps: 75, NanPolicy.Recover);
        var events = new TrainingFixtures.Recorder();
        var data = new SyntheticBatches(config.ResolveModel());
        using var trainer = new Trainer(config, data, new TrainerOptions { CheckpointDirectory = folder.Path, Capabilities = WithoutBf16 }, events);

        Assert.Equal(TrainingState.Completed, trainer.Run().State);

        var change = Assert.Single(events.Of<PrecisionSwitchEvent>());
        Assert.Equal(("fp16-emulated", "fp32", 2, 2), (change.From, change.To, change.MicroBatch, change.GradAccum));
        var last = events.Of<MetricsEvent>()[^1];
        Assert.Equal(("fp32", 2, 2), (last.Precision, last.MicroBatch, last.GradAccum));
        Assert.Equal(75L * 4, data.Position.Epoch * 64 + data.Position.Samples); // the effective batch is unchanged

        // Quieter after the switch: fp16 headroom is measured and charted still ("would overflow in fp16"), but it raises
        // no alert once the run computes in fp32.
        var sinceSwitch = events.Events.SkipWhile(e => e is not PrecisionSwitchEvent).ToArray();
        Assert.DoesNotContain(sinceSwitch.OfType<AlertEvent>(), a => a.Kind == AlertKind.Headroom);
        var after = sinceSwitch.OfType<MetricsEvent>().Where(m => m.Headroom is not null).ToArray();
        Assert.NotEmpty(after);
        Assert.Contains(after, m => m.Headroom![0].Fp16Headroom < config.HeadroomWarnFactor);
    }

    [Theory]
    [InlineData(NanPolicy.Recover)]
    [InlineData(NanPolicy.Skip)]
    public void A_poisoned_sample_is_diagnosed_as_data_and_its_update_dropped(NanPolicy policy)
    {
        var config = TrainingFixtures.Micro(steps: 6) with { NanPolicy = policy };
        var data = new SyntheticBatches(config.ResolveModel());
        data.PoisonedSamples.Add(9); // the third batch of four
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, data, new TrainerOptions(), events);

        Assert.Equal(TrainingState.Completed, trainer.Run().State);

        var alert = Assert.Single(events.Of<AlertEvent>(), a => a.Kind == AlertKind.Nan);
        var diagnosis = alert.Diagnosis!;
        Assert.Equal(NanVerdicts.Data, diagnosis.Verdict);
        Assert.Equal(2, diagnosis.FailedStep);
        Assert.False(diagnosis.Float32Finite);
        Assert.Contains("train-0-9", diagnosis.SampleIds);
        Assert.Contains("train-0-9", diagnosis.Explanation, StringComparison.Ordinal);
        Assert.Equal("vision_encoder.patch_embedding.conv", diagnosis.Module); // the first layer the NaN pixels reach
        Assert.StartsWith("skipped update", alert.Action, StringComparison.Ordinal);
        Assert.Equal([1, 2, 4, 5, 6], events.Of<MetricsEvent>().Select(m => m.Step));
        Assert.Equal(1, events.Of<MetricsEvent>()[^1].Skipped);
        Assert.Empty(events.Of<RollbackEvent>());
    }

    [Fact]
    public void Stop_policy_stops_at_the_first_failure_with_its_diagnosis()
    {
        var config = TrainingFixtures.Micro(steps: 6) with { NanPolicy = NanPolicy.Stop };
        var data = new SyntheticBatches(config.ResolveModel());
        data.PoisonedSamples.Add(5);
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, data, new TrainerOptions(), events);

        var outcome = trainer.Run();

        Assert.Equal((TrainingState.Failed, 1), (outcome.State, outcome.Step));
        Assert.Equal(NanVerdicts.Data, outcome.Diagnosis!.Verdict);
        Assert.Equal(TrainingState.Failed, events.Of<StateChangedEvent>()[^1].State);
    }

    [Fact]
    public void Non_finite_weights_are_diagnosed_as_divergence_and_recover_rolls_back_to_the_last_good_checkpoint()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 8) with { CheckpointInterval = 3 };
        var faults = TestFaultInjector.NanWeights("decoder.blocks.1.mlp.up_proj.weight", step: 4);
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
            new TrainerOptions { CheckpointDirectory = folder.Path, FaultInjector = faults }, events);

        Assert.Equal(TrainingState.Completed, trainer.Run().State);

        var diagnosis = Assert.Single(events.Of<AlertEvent>(), a => a.Kind == AlertKind.Nan).Diagnosis!;
        Assert.Equal(NanVerdicts.Divergence, diagnosis.Verdict);
        Assert.Equal(["decoder.blocks.1.mlp.up_proj.weight"], diagnosis.NonFiniteParameters);
        Assert.Equal("decoder.blocks.1.mlp.up_proj", diagnosis.Module);
        var rollback = Assert.Single(events.Of<RollbackEvent>());
        Assert.Equal((4, 3), (rollback.FromStep, rollback.ToStep));
        Assert.Empty(events.Of<PrecisionSwitchEvent>());
        Assert.Empty(NanoVlm.Engine.Training.Guard.NanDiagnostics.NonFiniteParameters(trainer.Model));
        Assert.Equal("fp32+faults", events.Of<MetricsEvent>()[^1].Precision);
    }

    [Fact]
    public void The_same_failure_repeated_stops_a_recovering_run_with_the_diagnosis()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 8) with { CheckpointInterval = 3, MaxRepeatedFailures = 2 };
        var faults = TestFaultInjector.NanWeights("MP.proj.weight", step: 4, everyTime: true);
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
            new TrainerOptions { CheckpointDirectory = folder.Path, FaultInjector = faults }, events);

        var outcome = trainer.Run();

        Assert.Equal(TrainingState.Failed, outcome.State);
        Assert.Equal(NanVerdicts.Divergence, outcome.Diagnosis!.Verdict);
        Assert.Contains("2 times", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(events.Of<RollbackEvent>());
        Assert.Equal(2, faults.Fired);
    }

    [Fact]
    public void Skip_policy_refuses_to_skip_past_non_finite_weights()
    {
        var config = TrainingFixtures.Micro(steps: 6) with { NanPolicy = NanPolicy.Skip };
        var faults = TestFaultInjector.NanWeights("decoder.token_embedding.weight", step: 2);
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions { FaultInjector = faults }, new TrainingFixtures.Recorder());

        var outcome = trainer.Run();

        Assert.Equal((TrainingState.Failed, NanVerdicts.Divergence), (outcome.State, outcome.Diagnosis!.Verdict));
    }

    [Fact]
    public void Fp16_gradient_overflow_halves_the_loss_scale_and_skips_only_those_updates()
    {
        var config = TrainingFixtures.Micro(steps: 12) with
        {
            Precision = PrecisionMode.Fp16,
            LossScale = new LossScaleConfig { Initial = Math.Pow(2, 24), Minimum = 1 }, // scaled gradients cannot fit in fp16 at first
        };
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()), new TrainerOptions(), events);

        Assert.Equal(TrainingState.Completed, trainer.Run().State);

        var overflows = events.Of<AlertEvent>().Where(a => a.Kind == AlertKind.Overflow).ToArray();
        Assert.NotEmpty(overflows);
        var metrics = events.Of<MetricsEvent>();
        Assert.Equal(12, metrics.Count);
        Assert.Equal(Math.Pow(2, 24), metrics[0].LossScale);
        foreach (var m in metrics)
        {
            var backOffsBefore = overflows.Count(o => o.Step < m.Step);
            Assert.Equal(Math.Pow(2, 24 - backOffsBefore), m.LossScale); // the scale each step used
        }
        Assert.True(overflows.Length < 12, "the scale came down far enough for updates to resume");
        Assert.Equal(overflows.Length, metrics[^1].Skipped);
        Assert.Equal(12 - overflows.Length, trainer.Session.Optimizer.StepCount);
        Assert.DoesNotContain(events.Of<AlertEvent>(), a => a.Kind == AlertKind.Nan);
    }
}
