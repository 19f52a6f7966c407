using System.Net;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Tests;

/// <summary>
/// <c>kill -9</c> of the real server executable during a training run, then a restart on the same data folder:
/// the run is interrupted, its metrics are there up to the last second, its last checkpoint loads, and Resume
/// continues from that checkpoint's step with a curve that joins without a gap or a duplicate step.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    /// <summary>MetricWriter batches every 250 ms; what the hub showed a second before the kill must be stored.</summary>
    private static readonly TimeSpan StorageWindow = TimeSpan.FromSeconds(1);

    private readonly string _dataDir = Directory.CreateTempSubdirectory("nanovlm-crash-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task A_killed_server_restarts_with_the_run_interrupted_its_metrics_kept_and_resume_joining_the_curve()
    {
        string runId;
        CheckpointInfo checkpointBeforeKill;
        List<(long Step, DateTime ReceivedAt)> seenBeforeKill;
        DateTime killedAt;
        using (var first = await ServerProcess.StartAsync(_dataDir))
        {
            runId = (await RunsApi.StartAsync(first.Client, RunsApi.TinyRun("crash", steps: 400, checkpointInterval: 5))).Id;
            await using var viewer = await MetricsViewer.ConnectAsync(first.BaseAddress, runId);
            var checkpoints = Path.Combine(_dataDir, "runs", runId, RunFiles.CheckpointsFolder);

            // Kill once a checkpoint past step 0 is complete and training has gone two steps beyond it, so there is a
            // tail of metrics after the checkpoint that the resume must replace.
            await RunsApi.WaitUntilAsync(() => Task.FromResult(
                    LatestCheckpoint(checkpoints) is { Step: >= 5 } latest && viewer.Received.Any(r => r.Step >= latest.Step + 2)),
                "a checkpoint after step 0 and two more steps", () => first.Output);
            killedAt = DateTime.UtcNow;
            first.KillHard();
            seenBeforeKill = [.. viewer.Received];
            checkpointBeforeKill = LatestCheckpoint(checkpoints)!;
        }
        Assert.True(File.Exists(Path.Combine(_dataDir, DataDirectory.LockFileName))); // the killed server's lock file is still there

        // A killed write leaves a hidden staging folder; the restart must ignore and remove it.
        var checkpointsFolder = Path.GetDirectoryName(checkpointBeforeKill.Path)!;
        var leftover = Path.Combine(checkpointsFolder, $".{CheckpointStore.NameFor(checkpointBeforeKill.Step + 1)}.partial-killed");
        Directory.CreateDirectory(leftover);
        await File.WriteAllBytesAsync(Path.Combine(leftover, NanoVlmCheckpoint.WeightsFileName), new byte[100]);

        using var second = await ServerProcess.StartAsync(_dataDir); // the stale lock does not block the restart
        Assert.False(Directory.Exists(leftover), "the leftover of a killed checkpoint write was not removed on start-up");

        var interrupted = await RunsApi.GetRunAsync(second.Client, runId);
        Assert.Equal(RunStatus.Interrupted, interrupted.Status);

        // Every metric the hub delivered at least a second before the kill was stored, and nothing is missing between.
        var stored = await RunsApi.GetMetricsAsync(second.Client, runId);
        RunsApi.AssertContiguousFromOne(stored);
        var mustBeStored = seenBeforeKill.Where(r => r.ReceivedAt <= killedAt - StorageWindow).Select(r => r.Step).DefaultIfEmpty(0).Max();
        Assert.True(stored[^1].Step >= mustBeStored, $"stored up to step {stored[^1].Step}, but step {mustBeStored} was shown more than a second before the kill");
        Assert.True(stored[^1].Step > checkpointBeforeKill.Step, "the test needs metrics past the checkpoint to check the join");

        // The last complete checkpoint is intact and loads: trainer state, optimizer moments and the nanoVLM model.
        Assert.Equal(checkpointBeforeKill.Path, new CheckpointStore(checkpointsFolder).Latest?.Path);
        var loaded = CheckpointStore.Load(checkpointBeforeKill.Path);
        Assert.Equal(checkpointBeforeKill.Step, loaded.State.Step);
        Assert.NotEmpty(loaded.OptimizerState);
        foreach (var tensor in loaded.OptimizerState.Values) tensor.Dispose();
        var model = NanoVlmCheckpoint.Load(checkpointBeforeKill.Path);
        model.Model.Dispose();

        // Resume continues from the checkpoint: the tail recorded after it is dropped, the next step is checkpoint + 1.
        await using var viewer2 = await MetricsViewer.ConnectAsync(second.BaseAddress, runId);
        using (var resume = await second.Client.PostAsync(new Uri($"/api/runs/{runId}/resume", UriKind.Relative), null))
        {
            Assert.True(resume.StatusCode == HttpStatusCode.Accepted, await resume.Content.ReadAsStringAsync());
        }
        var target = stored[^1].Step + 2;
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetMetricsAsync(second.Client, runId, target - 1)).Count > 0,
            $"the resumed run to store step {target}", () => second.Output);

        Assert.Equal(checkpointBeforeKill.Step + 1, viewer2.Received.Min(r => r.Step));
        var joined = await RunsApi.GetMetricsAsync(second.Client, runId);
        RunsApi.AssertContiguousFromOne(joined); // no gap, and no step twice where the tail was replaced
        var atCheckpoint = joined.Single(m => m.Step == checkpointBeforeKill.Step);
        var afterResume = joined.Single(m => m.Step == checkpointBeforeKill.Step + 1);
        Assert.True(afterResume.TokensSeen > atCheckpoint.TokensSeen, "the resumed run's token count must continue from the checkpoint's");
        Assert.Equal(loaded.State.TokensSeen, atCheckpoint.TokensSeen);
        var events = await RunsApi.GetEventsAsync(second.Client, runId);
        Assert.Contains(events, e => e.Kind == "resume" && e.Step == checkpointBeforeKill.Step);
        Assert.Equal(RunStatus.Running, (await RunsApi.GetRunAsync(second.Client, runId)).Status);
    }

    private static CheckpointInfo? LatestCheckpoint(string folder) =>
        Directory.Exists(folder) ? new CheckpointStore(folder).Latest : null;
}
