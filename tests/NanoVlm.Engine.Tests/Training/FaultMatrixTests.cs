using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Guard;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// The fault matrix of docs/training.md: every row under every NaN policy. Each row must be caught at its first step,
/// attributed to a module or to the data with the right verdict, and handled as the table says. fp16 overflows are
/// planted with the test fault injector (a module's output set beyond fp16's range while fp16 is emulated), the data
/// rows come from the synthetic data's own bad samples, the learning-rate divergence is real.
/// </summary>
public sealed class FaultMatrixTests(ITestOutputHelper output)
{
    /// <summary>Beyond fp16's 65504, well inside float32.</summary>
    private const float BeyondFp16 = 1e5f;

    private const int FaultStep = 3;

    public enum Row
    {
        Fp16OverflowAttentionProjection,
        Fp16OverflowMlp,
        Fp16OverflowNorm,
        Fp16OverflowLogits,
        NanPixels,
        AllLabelsMasked,
        FullyMaskedAttentionRow,
        LearningRateDivergence,
        CorruptCheckpointAtRollback,
    }

    public static TheoryData<Row, NanPolicy> Cases()
    {
        var cases = new TheoryData<Row, NanPolicy>();
        foreach (var row in Enum.GetValues<Row>())
            foreach (var policy in Enum.GetValues<NanPolicy>())
                cases.Add(row, policy);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_fault_is_caught_at_its_first_step_with_the_right_verdict_and_handled_by_the_policy(Row row, NanPolicy policy)
    {
        using var folder = new TempDirectory();
        var (config, data, faults) = Setup(row, policy, folder.Path);
        var events = new TrainingFixtures.Recorder();
        using var trainer = new Trainer(config, data, new TrainerOptions { CheckpointDirectory = folder.Path, FaultInjector = faults }, events);

        var outcome = trainer.Run();

        var nan = events.Of<AlertEvent>().Where(a => a.Kind == AlertKind.Nan).ToArray();
        foreach (var alert in nan) output.WriteLine($"step {alert.Step}: {alert.Message} → {alert.Action}");
        output.WriteLine($"{outcome.State}: {outcome.Reason}");
        var losses = events.Of<MetricsEvent>().Select(m => m.Loss).ToArray();
        output.WriteLine("losses: " + string.Join(" ", losses.Select(l => l.ToString("G4", System.Globalization.CultureInfo.InvariantCulture))));

        if (row == Row.FullyMaskedAttentionRow)
        {
            // Not a failure: a query row with no key to attend to attends uniformly (as in the reference), so the loss stays finite.
            Assert.Empty(nan);
            Assert.Equal(TrainingState.Completed, outcome.State);
            Assert.All(losses, l => Assert.True(double.IsFinite(l)));
            return;
        }

        var first = nan[0];
        var diagnosis = first.Diagnosis!;
        Assert.Equal(Expected(row).Verdict, diagnosis.Verdict);
        if (FirstStep(row) is { } planted) Assert.Equal(planted, diagnosis.FailedStep);
        // Caught at its first step: every step before the failing one was finite and applied.
        var before = events.Of<MetricsEvent>().Take(diagnosis.FailedStep).ToArray();
        Assert.Equal(Enumerable.Range(1, diagnosis.FailedStep), before.Select(m => m.Step));
        Assert.All(before, m => Assert.True(double.IsFinite(m.Loss)));
        if (Expected(row).Module is { } module) Assert.Equal(module, diagnosis.Module);
        if (row is Row.NanPixels or Row.AllLabelsMasked) Assert.NotEmpty(diagnosis.DataProblems);
        Assert.NotNull(first.FlightRecorder);
        Assert.Equal(diagnosis.FailedStep, first.FlightRecorder![^1].Step);

        var handled = Handling(row, policy);
        Assert.Equal(handled.Completes ? TrainingState.Completed : TrainingState.Failed, outcome.State);
        Assert.StartsWith(handled.FirstAction, first.Action, StringComparison.Ordinal);
        if (handled.Completes) Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        switch (row, policy)
        {
            case (Row.Fp16OverflowAttentionProjection or Row.Fp16OverflowMlp or Row.Fp16OverflowNorm or Row.Fp16OverflowLogits, NanPolicy.Pin):
                var pin = Assert.Single(events.Of<PinEvent>());
                Assert.Equal(diagnosis.PinCandidates, pin.Added);
                Assert.Empty(events.Of<PrecisionSwitchEvent>());
                Assert.Equal("fp16-emulated+faults", events.Of<MetricsEvent>()[^1].Precision);
                break;
            case (Row.Fp16OverflowAttentionProjection or Row.Fp16OverflowMlp or Row.Fp16OverflowNorm or Row.Fp16OverflowLogits, NanPolicy.Recover):
                Assert.Equal("fp32", Assert.Single(events.Of<PrecisionSwitchEvent>()).To);
                break;
            case (Row.LearningRateDivergence, _):
                // The recorder shows the loss climbing before it went non-finite.
                var recorded = first.FlightRecorder;
                Assert.True(recorded.Count >= 3);
                Assert.True(recorded[^2].Loss > recorded[0].Loss, $"loss {recorded[0].Loss} → {recorded[^2].Loss}");
                break;
            case (Row.CorruptCheckpointAtRollback, NanPolicy.Recover or NanPolicy.Pin):
                var unreadable = Assert.Single(events.Of<AlertEvent>(), a => a.Kind == AlertKind.Checkpoint);
                Assert.Contains(CheckpointStore.NameFor(4), unreadable.Message, StringComparison.Ordinal);
                var rollback = Assert.Single(events.Of<RollbackEvent>());
                Assert.Equal((5, 2), (rollback.FromStep, rollback.ToStep));
                Assert.Contains("fell back past", rollback.Reason, StringComparison.Ordinal);
                break;
        }
    }

    /// <summary>The verdict and module the diagnosis must give for a row.</summary>
    public static (string Verdict, string? Module) Expected(Row row) => row switch
    {
        Row.Fp16OverflowAttentionProjection => (NanVerdicts.PrecisionOverflow, "decoder.blocks.0.attn.q_proj"),
        Row.Fp16OverflowMlp => (NanVerdicts.PrecisionOverflow, "decoder.blocks.0.mlp.down_proj"),
        Row.Fp16OverflowNorm => (NanVerdicts.PrecisionOverflow, "decoder.blocks.0.norm2"),
        Row.Fp16OverflowLogits => (NanVerdicts.PrecisionOverflow, "decoder.head"),
        Row.NanPixels => (NanVerdicts.Data, "vision_encoder.patch_embedding.conv"),
        Row.AllLabelsMasked => (NanVerdicts.Data, null),
        Row.FullyMaskedAttentionRow => ("none", null),
        Row.LearningRateDivergence => (NanVerdicts.Divergence, null),
        Row.CorruptCheckpointAtRollback => (NanVerdicts.Divergence, "decoder.blocks.1.mlp.up_proj"),
        _ => throw new ArgumentOutOfRangeException(nameof(row)),
    };

    /// <summary>What each policy must do with a row: whether the run completes, and how the first alert's action begins.</summary>
    public static (bool Completes, string FirstAction) Handling(Row row, NanPolicy policy)
    {
        var verdict = Expected(row).Verdict;
        return policy switch
        {
            NanPolicy.Stop => (false, "stopped"),
            NanPolicy.Skip when verdict == NanVerdicts.Divergence => (false, "stopped"),
            NanPolicy.Skip => (true, "skipped update"),
            _ when verdict == NanVerdicts.Data => (true, "skipped update"),
            // A learning rate that diverges diverges again after each rollback: the same failure repeated stops the run.
            _ when row == Row.LearningRateDivergence => (false, "rolled back"),
            NanPolicy.Pin when verdict == NanVerdicts.PrecisionOverflow => (true, "rolled back and pinned"),
            _ => (true, "rolled back"),
        };
    }

    /// <summary>The step each row's fault is planted at (null: the learning-rate row, whose loss finds its own step).</summary>
    private static int? FirstStep(Row row) => row switch
    {
        Row.NanPixels or Row.AllLabelsMasked => 2,
        Row.LearningRateDivergence => null,
        Row.CorruptCheckpointAtRollback => 5,
        _ => FaultStep,
    };

    private static (TrainingConfig Config, SyntheticBatches Data, ITrainingFaultInjector? Faults) Setup(Row row, NanPolicy policy, string checkpoints)
    {
        var config = TrainingFixtures.Micro(steps: 8) with
        {
            NanPolicy = policy,
            CheckpointInterval = 2,
            KeepLastCheckpoints = 3,
            // The micro model is tiny: one projection is a large share of it (a real model's is not).
            PinMaxParameterFraction = 0.5,
        };
        var data = new SyntheticBatches(config.ResolveModel());
        ITrainingFaultInjector? faults = null;
        switch (row)
        {
            case Row.Fp16OverflowAttentionProjection:
            case Row.Fp16OverflowMlp:
            case Row.Fp16OverflowNorm:
            case Row.Fp16OverflowLogits:
                config = config with { Precision = PrecisionMode.Fp16 };
                faults = TestFaultInjector.ModuleOutput(Expected(row).Module!, FaultStep, BeyondFp16);
                break;
            case Row.NanPixels:
                data.PoisonedSamples.Add(9); // the third batch of four
                break;
            case Row.AllLabelsMasked:
                data.UnlabelledSamples.UnionWith([8, 9, 10, 11]);
                break;
            case Row.FullyMaskedAttentionRow:
                data.PaddingOnlySamples.Add(9);
                break;
            case Row.LearningRateDivergence:
                config = config with { LrMp = 1e4, LrVision = 1e4, LrLanguage = 1e4, WarmupFraction = 0, MaxGradNorm = 0, MaxSteps = 12, CheckpointInterval = 100 };
                break;
            case Row.CorruptCheckpointAtRollback:
                faults = new CorruptLatestCheckpointThenDiverge(checkpoints, CheckpointStore.NameFor(4), "decoder.blocks.1.mlp.up_proj.weight", step: 5);
                break;
        }
        return (config, data, faults);
    }

    /// <summary>At <c>step</c>: damages a checkpoint's weights (truncated to a few bytes), then sets a parameter to NaN.</summary>
    private sealed class CorruptLatestCheckpointThenDiverge(string checkpoints, string checkpoint, string parameter, int step) : ITrainingFaultInjector
    {
        private readonly TestFaultInjector _diverge = TestFaultInjector.NanWeights(parameter, step);

        public IDisposable? Arm(int optimizerStep, VisionLanguageModel model)
        {
            if (optimizerStep == step && _diverge.Fired == 0)
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(checkpoints, checkpoint), "*.safetensors"))
                    File.WriteAllBytes(file, [1, 2, 3]);
            }
            return _diverge.Arm(optimizerStep, model);
        }
    }
}
