using System.Globalization;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.External;

namespace NanoVlm.Engine.Tests.Training.External;

/// <summary>
/// Submission to a real Slurm (a single-node cluster these tests start and stop): sbatch, squeue and scontrol follow
/// the job, the supervisor follows its run folder, and scancel stops it with a checkpoint.
/// </summary>
public sealed class SlurmJobTests(DistributedFixture fixture) : IClassFixture<DistributedFixture>, IDisposable
{
    private readonly LocalSlurmCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private (ExternalRunSupervisor Supervisor, TrainingFixtures.Recorder Events, string Run, SlurmJob Job) Submit(int steps)
    {
        var run = Path.Combine(_cluster.NewFolder("runs"), "run");
        var trainer = new PythonTrainerArguments { RunFolder = run, Shards = fixture.Shards, Config = fixture.ConfigFile };
        var settings = new SlurmSettings { Nodes = 1, ProcessesPerNode = 2, TimeLimit = "10:00", JobName = "nanovlm-test", StopSignalSeconds = 0 };
        var script = SlurmScript.Write(settings, fixture.Python.Executable, DistributedPackage.Resolve(), trainer)
            .Replace("-m nanovlm_distributed.train", "-m nanovlm_distributed.train --steps " + steps.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var job = SlurmJob.Submit(_cluster.Commands, script, run);
        var events = new TrainingFixtures.Recorder();
        var supervisor = ExternalRunSupervisor.Start(job, run, events, new ExternalRunOptions { PollInterval = TimeSpan.FromMilliseconds(200), StopGrace = TimeSpan.FromSeconds(90) });
        return (supervisor, events, run, job);
    }

    private static async Task<TrainingOutcome> Finish(ExternalRunSupervisor supervisor)
    {
        var finished = await Task.WhenAny(supervisor.Completion, Task.Delay(TimeSpan.FromMinutes(4)));
        Assert.True(finished == supervisor.Completion, $"the job did not end; its last lines:\n{string.Join('\n', supervisor.Job.LastLines)}");
        return await supervisor.Completion;
    }

    private static async Task WaitForSteps(TrainingFixtures.Recorder events, int steps, ExternalRunSupervisor supervisor)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (events.Of<MetricsEvent>().Count < steps)
        {
            if (supervisor.Completion.IsCompleted) Assert.Fail($"the job ended early: {(await supervisor.Completion).Reason}");
            Assert.True(DateTime.UtcNow < deadline, $"no progress; last lines:\n{string.Join('\n', supervisor.Job.LastLines)}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_submitted_job_trains_on_two_processes_and_completes()
    {
        var (supervisor, events, run, job) = Submit(steps: 3);
        using (supervisor)
        {
            var outcome = await Finish(supervisor);
            Assert.True(outcome.State == TrainingState.Completed, $"{outcome.State}: {outcome.Reason}\n{string.Join('\n', job.LastLines)}");
            Assert.Equal([1, 2, 3], events.Of<MetricsEvent>().Select(m => m.Step));
            Assert.All(events.Of<MetricsEvent>(), m => Assert.Equal(4, m.MicroBatch));
            Assert.Equal("COMPLETED", job.State);
            Assert.Equal(0, (await job.Exited).ExitCode);
            Assert.True(File.Exists(Path.Combine(run, SlurmJob.ScriptFileName)));
            Assert.True(File.Exists(Path.Combine(run, $"slurm-{job.JobId}.out")));
        }
    }

    [Fact]
    public async Task Scancel_stops_the_job_after_a_step_with_a_checkpoint()
    {
        var (supervisor, events, run, _) = Submit(steps: 500);
        using (supervisor)
        {
            await WaitForSteps(events, 2, supervisor);
            supervisor.Cancel();
            var outcome = await Finish(supervisor);
            Assert.True(outcome.State == TrainingState.Cancelled, $"{outcome.State}: {outcome.Reason}");
            Assert.Equal("cancelled by the user.", outcome.Reason); // the trainer stopped itself: its own words, not the supervisor's
            var last = events.Of<MetricsEvent>()[^1].Step;
            Assert.True(Directory.Exists(Path.Combine(run, RunFiles.CheckpointsFolder, string.Create(CultureInfo.InvariantCulture, $"step_{last:D6}"))),
                $"no checkpoint of step {last}; events: {string.Join(", ", events.Events.Select(e => $"{e.GetType().Name}@{e.Step}"))}; " +
                $"{outcome.Reason}\n{string.Join('\n', supervisor.Job.LastLines)}");
        }
    }
}
