using System.Text.Json;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Setup;

namespace NanoVlm.Engine.Tests.Training;

public sealed class TrainingRunTests
{
    [Fact]
    public async Task A_run_trains_on_a_dedicated_thread_and_pauses_resumes_and_cancels_between_steps()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 100_000);
        Thread? trainingThread = null;
        using var firstStep = new ManualResetEventSlim();
        var recorder = new TrainingFixtures.Recorder();
        using var run = TrainingRun.Start(config, () =>
        {
            trainingThread = Thread.CurrentThread;
            return new SyntheticBatches(config.ResolveModel());
        }, new TrainerOptions { CheckpointDirectory = folder.Path }, recorder);
        using var subscription = run.Subscribe(e =>
        {
            if (e is MetricsEvent) firstStep.Set();
        });

        Assert.True(firstStep.Wait(TimeSpan.FromSeconds(60)));
        Assert.False(trainingThread!.IsThreadPoolThread);
        Assert.Equal("nanovlm-training", trainingThread.Name);

        run.Pause();
        await WaitFor(() => run.State == TrainingState.Paused);
        var stepsWhenPaused = recorder.Of<MetricsEvent>().Count;
        await Task.Delay(300);
        Assert.Equal(stepsWhenPaused, recorder.Of<MetricsEvent>().Count);

        run.Resume();
        await WaitFor(() => recorder.Of<MetricsEvent>().Count > stepsWhenPaused + 2);
        run.Cancel();
        var outcome = await run.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(TrainingState.Cancelled, outcome.State);
        var states = recorder.Of<StateChangedEvent>().Select(s => s.State).ToArray();
        Assert.Equal([TrainingState.Queued, TrainingState.Running, TrainingState.Paused, TrainingState.Running, TrainingState.Cancelled], states);
        Assert.EndsWith(NanoVlm.Engine.Training.Checkpoints.CheckpointStore.NameFor(outcome.Step), outcome.LastCheckpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_throws_is_reported_failed_not_left_hanging()
    {
        var config = TrainingFixtures.Micro(steps: 5);
        using var run = TrainingRun.Start(config, () => throw new InvalidOperationException("no data here"), new TrainerOptions());
        var outcome = await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(TrainingState.Failed, outcome.State);
        Assert.Contains("no data here", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_command_writes_run_json_metrics_events_and_checkpoints_and_exits_zero()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 6) with { EvalInterval = 3, CheckpointInterval = 3 };
        using var progress = new StringWriter();

        var exit = TrainCommand.Run(RunSetup.Check(config), folder.Path, new LaunchOptions { Data = () => new SyntheticBatches(config.ResolveModel()) }, progress);

        Assert.Equal(0, exit);
        using var runJson = JsonDocument.Parse(File.ReadAllText(folder.File(RunFiles.ConfigFileName)));
        Assert.Equal(6, runJson.RootElement.GetProperty("max_steps").GetInt32());
        Assert.Equal("fp32", runJson.RootElement.GetProperty("precision").GetString());
        Assert.Equal(32, runJson.RootElement.GetProperty("model").GetProperty("lm_hidden_dim").GetInt32());

        var metrics = File.ReadAllLines(folder.File(RunFiles.MetricsFileName)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(6, metrics.Length);
        Assert.All(metrics, m => Assert.Equal("metrics", m.GetProperty("type").GetString()));
        Assert.Equal(6, metrics[^1].GetProperty("step").GetInt32());
        Assert.True(metrics[^1].GetProperty("lr").TryGetProperty("mp", out _));

        var events = File.ReadAllLines(folder.File(RunFiles.EventsFileName)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()).ToArray();
        Assert.Contains("evaluation", events);
        Assert.Contains("checkpoint", events);
        Assert.Equal("state", events[^1]);
        Assert.True(Directory.Exists(Path.Combine(folder.Path, RunFiles.CheckpointsFolder, "step_000006")));
        Assert.Contains("Completed at step 6", progress.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(folder.Path, RunFiles.TensorBoardFolder), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Train_command_exits_non_zero_when_the_policy_stops_the_run()
    {
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps: 4) with { NanPolicy = NanPolicy.Stop };
        var exit = TrainCommand.Run(RunSetup.Check(config), folder.Path, new LaunchOptions
        {
            TensorBoard = false,
            Data = () =>
            {
                var data = new SyntheticBatches(config.ResolveModel());
                data.PoisonedSamples.Add(1);
                return data;
            },
        }, progress: null);

        Assert.Equal(1, exit);
        var alert = File.ReadAllLines(folder.File(RunFiles.EventsFileName)).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("type").GetString() == "alert");
        Assert.Equal("data", alert.GetProperty("diagnosis").GetProperty("verdict").GetString());
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(10);
        }
    }
}
