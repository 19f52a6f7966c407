using System.Text.Json;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.External;

namespace NanoVlm.Engine.Tests.Training.External;

public sealed class RunFolderFollowerTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempDirectory _run = new();

    public void Dispose() => _run.Dispose();

    private string Metrics => _run.File(RunFiles.MetricsFileName);

    private string Events => _run.File(RunFiles.EventsFileName);

    private static MetricsEvent Step(int step, double seconds, double loss = 2.5) => new()
    {
        Step = step, Time = T0.AddSeconds(seconds), TokensSeen = 100 * step, ImagesSeen = step, Loss = loss,
        LearningRates = new Dictionary<string, double> { ["mp"] = 1e-3, ["language"] = 5e-4 }, GradNorm = 1.5, Precision = "fp32",
        MicroBatch = 4, GradAccum = 1, TokensPerSecond = 800, ElapsedSeconds = seconds, Skipped = 0,
    };

    private static string Line(TrainingEvent e) => JsonSerializer.Serialize(e, RunFiles.Json) + "\n";

    private static string Describe(IEnumerable<TrainingEvent> events) => string.Join(" ", events.Select(e => $"{e.GetType().Name[..^5]}{e.Step}"));

    [Fact]
    public void Events_come_back_as_the_engine_published_them()
    {
        var published = new TrainingEvent[]
        {
            new StateChangedEvent { Step = 0, Time = T0, State = TrainingState.Running, Reason = "go" },
            Step(1, 1) with { Headroom = [new ModuleHeadroom("decoder.blocks.0.mlp", 12.5, 5240.3)] },
            new EvaluationEvent { Step = 1, Time = T0.AddSeconds(2), ValLoss = 2.25, Anls = null, Batches = 2, Seconds = 0.4 },
            new CheckpointEvent { Step = 1, Time = T0.AddSeconds(3), Path = "/runs/x/checkpoints/step_000001", Best = true },
            new AlertEvent
            {
                Step = 1, Time = T0.AddSeconds(4), Kind = AlertKind.Nan, Message = "loss is NaN", Action = "stopped",
                Diagnosis = new NanDiagnosisReport
                {
                    Verdict = NanVerdicts.Data, Explanation = "bad pixels", FailedStep = 1, SampleIds = ["s1"], Precision = "fp32",
                    LearningRates = new Dictionary<string, double> { ["mp"] = 1e-3 }, Symptom = "loss", Float32Finite = false,
                },
            },
            new StateChangedEvent { Step = 1, Time = T0.AddSeconds(5), State = TrainingState.Failed, Reason = "stopped by the NaN guard" },
        };
        using (var files = new RunFiles(_run.Path, TrainingFixtures.Micro(), tensorBoard: false))
        {
            foreach (var e in published) files.Publish(e);
        }

        var follower = new RunFolderFollower(_run.Path);
        var read = follower.Poll().Concat(follower.Drain()).ToList();
        Assert.Equal(published.Select(Line), read.Select(Line));
        Assert.Empty(follower.Problems);
    }

    [Fact]
    public void A_line_being_written_waits_for_its_newline()
    {
        var follower = new RunFolderFollower(_run.Path);
        Assert.Empty(follower.Poll()); // no file yet
        var line = Line(Step(1, 1));
        File.WriteAllText(Metrics, line[..40]);
        File.WriteAllText(Events, Line(new StateChangedEvent { Step = 1, Time = T0.AddSeconds(9), State = TrainingState.Running }));
        Assert.Equal("StateChanged1", Describe(follower.Poll())); // the state is complete, the half metrics line is not
        File.AppendAllText(Metrics, line[40..]);
        Assert.Equal("Metrics1", Describe(follower.Poll()));
        Assert.Empty(follower.Problems);
    }

    [Fact]
    public void Lines_of_the_two_files_come_out_in_the_order_they_were_written()
    {
        // Step 3 failed and rolled back to step 2; the replayed step 3 follows the rollback. A poll that reads the
        // replayed step 3 (metrics are read after events) cannot know yet whether an event came before it.
        File.WriteAllText(Metrics, Line(Step(1, 1)) + Line(Step(2, 2)));
        File.WriteAllText(Events, Line(new RollbackEvent { Step = 2, Time = T0.AddSeconds(4), FromStep = 3, ToStep = 2, Checkpoint = "c", Reason = "NaN" }));
        File.AppendAllText(Metrics, Line(Step(3, 5)));
        var follower = new RunFolderFollower(_run.Path);
        Assert.Equal("Metrics1 Metrics2 Rollback2", Describe(follower.Poll()));

        // Written meanwhile: a checkpoint event between the replayed step 3 and step 4.
        File.AppendAllText(Events, Line(new CheckpointEvent { Step = 3, Time = T0.AddSeconds(6), Path = "p" }));
        File.AppendAllText(Metrics, Line(Step(4, 7)));
        Assert.Equal("Metrics3 Checkpoint3", Describe(follower.Poll()));
        Assert.Equal("Metrics4", Describe(follower.Poll()));
        Assert.Empty(follower.Drain());
    }

    [Fact]
    public void A_truncated_file_is_followed_from_its_new_end()
    {
        File.WriteAllText(Metrics, Line(Step(1, 1)) + Line(Step(2, 2)) + Line(Step(3, 3)));
        var follower = new RunFolderFollower(_run.Path);
        Assert.Equal("Metrics1 Metrics2 Metrics3", Describe(follower.Poll().Concat(follower.Poll())));

        // Cut back to its first line, then written on: only what was written after the cut is new.
        using (var stream = new FileStream(Metrics, FileMode.Open)) stream.SetLength(Line(Step(1, 1)).Length);
        File.AppendAllText(Metrics, Line(Step(2, 8)) + Line(Step(3, 9)));
        var after = follower.Poll().Concat(follower.Poll()).ToList();
        Assert.Equal("Metrics2 Metrics3", Describe(after));
        Assert.Equal(T0.AddSeconds(8), after[0].Time);
        Assert.Equal(1, follower.Truncations);
        Assert.Empty(follower.Problems);
    }

    [Fact]
    public void Lines_in_the_PyTorch_engines_style_are_read_and_unreadable_ones_reported()
    {
        // json.dumps: "type" first, spaces, bare NaN, an ISO time with microseconds; then lines this engine cannot read.
        File.WriteAllText(Events,
            """{"type": "alert", "kind": "spike", "message": "loss 7.1 is 3.2x the median (NaN-free)", "action": "warned", "step": 4, "time": "2025-01-02T03:04:05.123456+00:00"}""" + "\n" +
            """{"type": "evaluation", "val_loss": NaN, "anls": null, "batches": 2, "seconds": 0.5, "step": 4, "time": "2025-01-02T03:04:06.000001+00:00"}""" + "\n" +
            """{"type": "a_new_kind", "step": 4, "time": "2025-01-02T03:04:07+00:00"}""" + "\n" +
            "not json\n");
        var follower = new RunFolderFollower(_run.Path);
        var read = follower.Drain();
        Assert.Equal("Alert4 Evaluation4", Describe(read));
        Assert.Equal("loss 7.1 is 3.2x the median (NaN-free)", ((AlertEvent)read[0]).Message); // NaN inside a string is text
        Assert.True(double.IsNaN(((EvaluationEvent)read[1]).ValLoss));
        Assert.Equal(2, follower.Problems.Count);
        Assert.All(follower.Problems, p => Assert.StartsWith(RunFiles.EventsFileName, p, StringComparison.Ordinal));
    }

    [Fact]
    public void Following_from_the_end_skips_an_earlier_execution()
    {
        File.WriteAllText(Metrics, Line(Step(1, 1)) + Line(Step(2, 2))[..50]); // the earlier execution died mid-line
        var follower = new RunFolderFollower(_run.Path, fromEnd: true);
        File.AppendAllText(Metrics, Line(Step(2, 3)) + Line(Step(3, 4))); // the resume appends to the cut line
        var read = follower.Drain();
        Assert.Equal("Metrics2 Metrics3", Describe(read));
        Assert.Equal(T0.AddSeconds(3), read[0].Time);
        Assert.Contains(follower.Problems, p => p.StartsWith("an unfinished line was left out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FollowAsync_publishes_while_the_writer_writes_and_drains_when_stopped()
    {
        var sink = new TrainingFixtures.Recorder();
        var follower = new RunFolderFollower(_run.Path);
        using var stop = new CancellationTokenSource();
        var following = follower.FollowAsync(sink, TimeSpan.FromMilliseconds(20), stop.Token);
        using (var files = new RunFiles(_run.Path, TrainingFixtures.Micro(), tensorBoard: false))
        {
            for (var step = 1; step <= 5; step++)
            {
                files.Publish(Step(step, step));
                await Task.Delay(15);
            }
            files.Publish(new StateChangedEvent { Step = 5, Time = T0.AddSeconds(6), State = TrainingState.Completed });
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (sink.Events.Count < 5 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(sink.Events.Count >= 5, "the follower published nothing while the file was written");
        await stop.CancelAsync();
        await following;
        Assert.Equal("Metrics1 Metrics2 Metrics3 Metrics4 Metrics5 StateChanged5", Describe(sink.Events));
    }
}
