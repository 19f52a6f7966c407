using System.Diagnostics;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;

namespace NanoVlm.Server.Tests;

/// <summary>
/// The disk under a run fills up mid-run (a size-limited tmpfs mounted over the data folder's runs/, filled to the
/// last byte): the run stops as failed with an alert naming the folder, the reason and the fix, the checkpoints and
/// metrics already written are intact, and the server keeps serving. Where mounting is not allowed (not root), the
/// run's checkpoints folder is swapped for a file instead, which fails every write the same way.
/// </summary>
public sealed class StorageFaultTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("nanovlm-diskfull-").FullName;
    private bool _mounted;

    private string RunsFolder => Path.Combine(_dataDir, "runs");

    public void Dispose()
    {
        if (_mounted)
        {
            RunTool("umount", "-l", RunsFolder);
        }
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_full_disk_fails_the_run_with_a_clear_alert_keeps_what_was_written_and_the_server_serving()
    {
        Directory.CreateDirectory(RunsFolder);
        // Room for the step-0 checkpoint, one more and a staging copy (about 85 MB each for the tiny model).
        _mounted = RunTool("mount", "-t", "tmpfs", "-o", "size=320m", "tmpfs", RunsFolder) == 0;

        using var server = await ServerProcess.StartAsync(_dataDir);
        var runId = (await RunsApi.StartAsync(server.Client, RunsApi.TinyRun("disk-full", steps: 400, checkpointInterval: 5))).Id;
        var checkpoints = Path.Combine(RunsFolder, runId, RunFiles.CheckpointsFolder);
        await RunsApi.WaitUntilAsync(() => Task.FromResult(Directory.Exists(checkpoints) && new CheckpointStore(checkpoints).Latest is { Step: >= 5 }),
            "a checkpoint after step 0", () => server.Output);
        var written = new CheckpointStore(checkpoints).List();
        var weightsBefore = await File.ReadAllBytesAsync(Path.Combine(written[^1].Path, NanoVlmCheckpoint.WeightsFileName));

        var aside = checkpoints + "-aside";
        if (_mounted)
        {
            FillDisk(Path.Combine(RunsFolder, "filler.bin"));
        }
        else
        {
            Directory.Move(checkpoints, aside);
            await File.WriteAllTextAsync(checkpoints, "a file where the checkpoints folder was");
        }
        RunSummary failed;
        try
        {
            await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(server.Client, runId)).Status is not (RunStatus.Running or RunStatus.Queued),
                "the run to stop after the disk filled up", () => server.Output);
            failed = await RunsApi.GetRunAsync(server.Client, runId);
        }
        finally
        {
            if (_mounted)
            {
                File.Delete(Path.Combine(RunsFolder, "filler.bin"));
            }
            else
            {
                File.Delete(checkpoints);
                Directory.Move(aside, checkpoints);
            }
        }

        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.NotNull(failed.Error);
        Assert.Contains("Could not write checkpoint", failed.Error, StringComparison.Ordinal);
        Assert.Contains(checkpoints, failed.Error, StringComparison.Ordinal);
        Assert.Contains("Free space", failed.Error, StringComparison.Ordinal);
        var events = await RunsApi.GetEventsAsync(server.Client, runId);
        Assert.Contains(events, e => e.Severity == RunEventSeverity.Alert && e.Message.Contains("Could not write checkpoint", StringComparison.Ordinal));

        // Nothing already written is damaged: the checkpoints load, the stored curve has every step once.
        var after = new CheckpointStore(checkpoints).List();
        Assert.Equal(written.Select(c => c.Path), after.Select(c => c.Path));
        Assert.Equal(weightsBefore, await File.ReadAllBytesAsync(Path.Combine(after[^1].Path, NanoVlmCheckpoint.WeightsFileName)));
        var loaded = CheckpointStore.Load(after[^1].Path);
        foreach (var tensor in loaded.OptimizerState.Values) tensor.Dispose();
        NanoVlmCheckpoint.Load(after[^1].Path).Model.Dispose();
        Assert.Empty(Directory.EnumerateDirectories(checkpoints, ".*")); // the failed write's staging folder is gone
        RunsApi.AssertContiguousFromOne(await RunsApi.GetMetricsAsync(server.Client, runId));

        // The server keeps serving.
        Assert.False(server.HasExited);
        using (var health = await server.Client.GetAsync(new Uri("/healthz", UriKind.Relative)))
        {
            health.EnsureSuccessStatusCode();
        }
        Assert.Contains(runId, await server.Client.GetStringAsync(new Uri("/api/runs", UriKind.Relative)), StringComparison.Ordinal);
    }

    /// <summary>Writes zeros until the file system says it is full.</summary>
    private static void FillDisk(string path)
    {
        var chunk = new byte[1 << 20];
        using var filler = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                filler.Write(chunk);
                filler.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
            // Full. (Smaller writes could still fit a few KiB; a checkpoint needs megabytes.)
        }
    }

    private static int RunTool(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(info)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1; // no such tool
        }
    }
}
