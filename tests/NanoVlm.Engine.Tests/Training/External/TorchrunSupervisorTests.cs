using System.Globalization;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.External;

namespace NanoVlm.Engine.Tests.Training.External;

/// <summary>
/// torchrun with the PyTorch engine's workers (2 CPU processes over gloo), watched by the supervisor: the events it
/// publishes, cancel, a worker that dies, and a run that cannot start.
/// </summary>
public sealed class TorchrunSupervisorTests(DistributedFixture fixture) : IClassFixture<DistributedFixture>
{
    private static readonly ExternalRunOptions Options = new() { PollInterval = TimeSpan.FromMilliseconds(100), StopGrace = TimeSpan.FromSeconds(60) };

    private (ExternalRunSupervisor Supervisor, TrainingFixtures.Recorder Events, string Run) Start(int processes, string? steps = null, string? shards = null)
    {
        var run = fixture.NewFolder("run");
        var trainer = new PythonTrainerArguments { RunFolder = run, Shards = shards ?? fixture.Shards, Config = fixture.ConfigFile };
        var arguments = new TorchrunSettings { ProcessesPerNode = processes, MonitorIntervalSeconds = 0.5 }.Arguments(trainer).ToList();
        if (steps is not null) arguments.AddRange(["--steps", steps]);
        var job = TorchrunJob.Start(fixture.Python, DistributedPackage.Resolve(), arguments, run);
        var events = new TrainingFixtures.Recorder();
        return (ExternalRunSupervisor.Start(job, run, events, Options), events, run);
    }

    private static async Task<TrainingOutcome> Finish(ExternalRunSupervisor supervisor)
    {
        var finished = await Task.WhenAny(supervisor.Completion, Task.Delay(TimeSpan.FromMinutes(4)));
        Assert.True(finished == supervisor.Completion, $"the run did not end; its last lines:\n{string.Join('\n', supervisor.Job.LastLines)}");
        return await supervisor.Completion;
    }

    [Fact]
    public async Task A_two_process_run_is_published_as_the_engine_publishes_and_completes()
    {
        var (supervisor, events, run) = Start(processes: 2);
        using (supervisor)
        {
            var outcome = await Finish(supervisor);
            Assert.True(outcome.State == TrainingState.Completed, $"{outcome.State}: {outcome.Reason}\n{string.Join('\n', supervisor.Job.LastLines)}");
            Assert.Equal([1, 2, 3], events.Of<MetricsEvent>().Select(m => m.Step));
            Assert.All(events.Of<MetricsEvent>(), m => Assert.Equal(4, m.MicroBatch)); // 2 processes × 2 rows
            Assert.Equal(TrainingState.Running, events.Of<StateChangedEvent>()[0].State);
            Assert.Equal(TrainingState.Completed, events.Of<StateChangedEvent>()[^1].State);
            Assert.Contains(events.Of<CheckpointEvent>(), c => c.Path.EndsWith("step_000003", StringComparison.Ordinal));
            Assert.EndsWith("step_000003", outcome.LastCheckpoint, StringComparison.Ordinal);
            Assert.Empty(supervisor.Problems);

            // What was published is what the folder holds, line for line.
            var folder = new RunFolderFollower(run).Drain();
            Assert.Equal(folder.Select(Line), events.Events.Select(Line));
            Assert.True(File.Exists(Path.Combine(run, TorchrunJob.LogFileName)));
        }
    }

    [Fact]
    public async Task Cancel_stops_every_worker_after_a_step_with_a_checkpoint()
    {
        var (supervisor, events, run) = Start(processes: 2, steps: "500");
        using (supervisor)
        {
            await WaitFor(() => events.Of<MetricsEvent>().Count >= 2, supervisor);
            supervisor.Cancel();
            var outcome = await Finish(supervisor);
            Assert.True(outcome.State == TrainingState.Cancelled, $"{outcome.State}: {outcome.Reason}");
            Assert.Equal("cancelled by the user.", outcome.Reason); // the trainer stopped itself: its own words, not the supervisor's
            var last = events.Of<MetricsEvent>()[^1].Step;
            Assert.True(last < 500);
            Assert.Contains(events.Of<CheckpointEvent>(), c => c.Step == last);
            Assert.Equal(TrainingState.Cancelled, events.Of<StateChangedEvent>()[^1].State);
            Assert.True(Directory.Exists(Path.Combine(run, RunFiles.CheckpointsFolder, string.Create(CultureInfo.InvariantCulture, $"step_{last:D6}"))));
        }
    }

    [Fact]
    public async Task A_worker_that_dies_fails_the_run_with_the_last_lines_and_keeps_what_was_written()
    {
        var (supervisor, events, run) = Start(processes: 2, steps: "500");
        using (supervisor)
        {
            await WaitFor(() => events.Of<MetricsEvent>().Count >= 2, supervisor);
            var torchrun = ((TorchrunJob)supervisor.Job).ProcessId;
            var worker = WorkerOfRank(torchrun, rank: 1);
            System.Diagnostics.Process.GetProcessById(worker).Kill(); // SIGKILL: no chance to say goodbye
            var outcome = await Finish(supervisor);
            Assert.Equal(TrainingState.Failed, outcome.State);
            Assert.Equal(TrainingState.Failed, events.Of<StateChangedEvent>()[^1].State);
            // Either rank 0 noticed (its collective lost the peer) or torchrun ended it first: the reason says which.
            Assert.True(outcome.Reason!.Contains("lost contact", StringComparison.Ordinal) || outcome.Reason.Contains("torchrun", StringComparison.Ordinal),
                outcome.Reason);
            Assert.NotEmpty(File.ReadAllLines(Path.Combine(run, RunFiles.MetricsFileName))); // nothing written is lost
            Assert.Contains(new RunFolderFollower(run).Drain(), e => e is StateChangedEvent { State: TrainingState.Failed });
        }
    }

    [Fact]
    public async Task A_run_that_cannot_start_fails_with_the_trainers_message()
    {
        var (supervisor, events, _) = Start(processes: 1, shards: fixture.NewFolder("no-shards"));
        using (supervisor)
        {
            var outcome = await Finish(supervisor);
            Assert.Equal(TrainingState.Failed, outcome.State);
            Assert.Contains("no index.json", outcome.Reason, StringComparison.Ordinal); // the trainer's usage error, quoted
            Assert.Equal(outcome.Reason, events.Of<StateChangedEvent>().Single().Reason);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void An_interpreter_without_torch_or_no_interpreter_at_all_is_explained()
    {
        var missing = Assert.Throws<ExternalEngineUnavailableException>(() => PythonRuntimes.Find("/nonexistent/python3"));
        Assert.Contains("cannot be started", missing.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install " + PythonRuntimes.DebianPackages, missing.Message, StringComparison.Ordinal);

        // The real interpreter without its site packages (where Debian's torch lives): a Python that lacks torch.
        var wrapper = fixture.NewFolder("python-without-site");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec {fixture.Python.Executable} -S \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var noTorch = Assert.Throws<ExternalEngineUnavailableException>(() => PythonRuntimes.Find(wrapper));
        Assert.Contains("has no module 'torch'", noTorch.Message, StringComparison.Ordinal);
        Assert.Contains(PythonRuntimes.DebianPackages, noTorch.Message, StringComparison.Ordinal);
    }

    private static string Line(TrainingEvent e) => System.Text.Json.JsonSerializer.Serialize(e, RunFiles.Json);

    private static async Task WaitFor(Func<bool> condition, ExternalRunSupervisor supervisor)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!condition())
        {
            Assert.False(supervisor.Completion.IsCompleted, $"the run ended early: {(supervisor.Completion.IsCompleted ? supervisor.Completion.Result.Reason : "")}");
            Assert.True(DateTime.UtcNow < deadline, $"timed out; last lines:\n{string.Join('\n', supervisor.Job.LastLines)}");
            await Task.Delay(100);
        }
    }

    /// <summary>The worker process of a rank among torchrun's children (its RANK environment variable).</summary>
    private static int WorkerOfRank(int torchrun, int rank)
    {
        var children = File.ReadAllText($"/proc/{torchrun}/task/{torchrun}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse);
        foreach (var child in children)
        {
            var environment = File.ReadAllText($"/proc/{child}/environ").Split('\0');
            if (environment.Contains(string.Create(CultureInfo.InvariantCulture, $"RANK={rank}"))) return child;
        }
        throw new InvalidOperationException($"torchrun (pid {torchrun}) has no worker of rank {rank}.");
    }
}
