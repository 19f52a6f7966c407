using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

public sealed class TrainerLoopTests(ITestOutputHelper output)
{
    [Fact]
    public void Fp32_run_trains_the_synthetic_task_and_reports_every_step()
    {
        var config = TrainingFixtures.Micro(steps: 60) with { EvalInterval = 30, ValBatches = 2 };
        var events = new TrainingFixtures.Recorder();
        var data = new SyntheticBatches(config.ResolveModel());
        using var trainer = new Trainer(config, data, new TrainerOptions(), events);

        var outcome = trainer.Run();

        Assert.Equal(TrainingState.Completed, outcome.State);
        var metrics = events.Of<MetricsEvent>();
        Assert.Equal(Enumerable.Range(1, 60), metrics.Select(m => m.Step));
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.Loss) && double.IsFinite(m.GradNorm)));
        Assert.All(metrics, m => Assert.Equal("fp32", m.Precision));
        Assert.Equal(3, metrics[0].LearningRates.Count);
        Assert.Equal(60L * 4, data.Position.Samples + data.Position.Epoch * 64);
        Assert.Equal(60L * 4, metrics[^1].ImagesSeen);
        var evaluations = events.Of<EvaluationEvent>();
        Assert.Equal([0, 30, 60], evaluations.Select(e => e.Step));
        output.WriteLine($"val loss {string.Join(" → ", evaluations.Select(e => e.ValLoss.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.True(evaluations[^1].ValLoss < 0.6 * evaluations[0].ValLoss, "validation loss should fall well below its start");
        var states = events.Of<StateChangedEvent>().Select(s => s.State);
        Assert.Equal([TrainingState.Running, TrainingState.Completed], states);
    }
}
