using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;

namespace NanoVlm.Server.Tests;

/// <summary>
/// The model lists (playground and Models page) after a real run whose checkpoint retention deletes checkpoints, and
/// across a restart of the server on the same data folder.
/// </summary>
public sealed class ModelListTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("nanovlm-models-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    /// <summary>The real server in-process on this test's data folder, which outlives it (for a restart).</summary>
    private sealed class Dashboard(string dataDir) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Storage:DataDir", dataDir);
            builder.UseSetting("Engine:Threads", "1");
        }
    }

    [Fact]
    public async Task ListsFollowRetentionSortStepsAsNumbersMarkTheBestAndKeepRegisteredNamesAcrossARestart()
    {
        string runId;
        string favourite;
        await using (var dashboard = new Dashboard(_dataDir))
        {
            using var client = dashboard.CreateClient();
            // A checkpoint every 2 steps of 12 and the default retention (the last 3 and the best): steps 2, 4 and 6
            // are written, listed, then deleted while the run goes on; "step 10" and "step 12" sort before "step 8" as text.
            runId = (await RunsApi.StartAsync(client, RunsApi.TinyRun("retention", steps: 12, checkpointInterval: 2))).Id;
            await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(client, runId)).Status == RunStatus.Completed, "the run to complete");

            var onDisk = new CheckpointStore(Path.Combine(_dataDir, "runs", runId, RunFiles.CheckpointsFolder)).List();
            Assert.True(onDisk.Count < 7, $"retention kept {onDisk.Count} checkpoints; the test needs some deleted");
            var playground = dashboard.Services.GetRequiredService<IPlayground>();
            var registry = dashboard.Services.GetRequiredService<IModelRegistry>();
            foreach (var models in new[] { playground.Models(), registry.Models() })
            {
                var ofRun = models.Where(m => m.Run?.RunId == runId).ToList();
                Assert.Equal(onDisk.Select(c => c.Step), ofRun.Select(m => m.Run!.Step));
                Assert.Equal(onDisk.Select(c => $"retention · step {c.Step}"), ofRun.Select(m => m.Name));
                var best = Assert.Single(ofRun, m => m.IsBest);
                Assert.Equal(RecordedBest(onDisk[^1].Path), Path.GetFileName(best.Directory));
            }

            // A person names one of the run's checkpoints; registering the same folder again is refused, not a silent rename.
            favourite = onDisk[^1].Path;
            registry.RegisterCheckpoint(favourite, "my favourite");
            var again = Assert.Throws<PlaygroundException>(() => registry.RegisterCheckpoint(favourite, "another name"));
            Assert.Contains("already registered as 'my favourite'", again.Message, StringComparison.Ordinal);
            Assert.Equal("my favourite", Assert.Single(registry.Models(), m => m.Directory == favourite).Name);
        }

        // After a restart the run's checkpoints are registered again, after the remembered models: the name stays.
        await using (var restarted = new Dashboard(_dataDir))
        {
            restarted.CreateClient().Dispose();
            var models = restarted.Services.GetRequiredService<IModelRegistry>().Models();
            var named = Assert.Single(models, m => m.Directory == favourite);
            Assert.Equal("my favourite", named.Name);
            Assert.Equal(runId, named.Run?.RunId); // still listed with its run, in its step's place
        }
    }

    private static string? RecordedBest(string checkpoint) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, CheckpointStore.StateFileName)))
            .RootElement.GetProperty("best").GetProperty("name").GetString();
}
