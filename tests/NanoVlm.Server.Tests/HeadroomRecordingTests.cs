using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Tests;

/// <summary>
/// A real two-step tiny run through the server: the engine's headroom measurement (step 0 is measured, reported
/// with step 1) reaches open pages live, LiteDB, and GET /api/runs/{id}/headroom.
/// </summary>
public sealed class HeadroomRecordingTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    [Fact]
    public async Task ATrainingRunRecordsEachModulesHeadroomAndPublishesIt()
    {
        var live = new List<RunUpdate.Headroom>();
        using var subscription = factory.Services.GetRequiredService<IRunUpdates>().Subscribe(null, update =>
        {
            if (update is RunUpdate.Headroom headroom)
            {
                lock (live) live.Add(headroom);
            }
        });
        var request = factory.Services.GetRequiredService<IRunLauncher>().DefaultsFor("tiny") with
        {
            Precision = "fp32", Steps = 2, BatchSize = 2, EvalInterval = 0, CheckpointInterval = 1000,
        };
        using var client = factory.CreateClient();
        using var created = await client.PostAsJsonAsync("/api/runs", request);
        created.EnsureSuccessStatusCode();
        var runId = (await created.Content.ReadFromJsonAsync<RunSummary>(Json))!.Id;

        var store = factory.Services.GetRequiredService<RunStore>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10); // slow only on a crowded machine
        while (store.GetRun(runId)?.IsActive == true && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal(RunStatus.Completed, store.GetRun(runId)?.Status);

        var recorded = await client.GetFromJsonAsync<List<HeadroomSample>>($"/api/runs/{runId}/headroom", Json);
        var sample = Assert.Single(recorded!);
        Assert.Equal(1, sample.Step);
        Assert.Equal(8, sample.WarnFactor);
        Assert.Contains(sample.Modules, m => m.Module.StartsWith("decoder.", StringComparison.Ordinal));
        Assert.Contains(sample.Modules, m => m.Module.StartsWith("vision", StringComparison.Ordinal));
        Assert.All(sample.Modules.Where(m => m.MaxAbs > 0), m => Assert.Equal(65504 / m.MaxAbs, m.Headroom, 1e-9));
        Assert.All(sample.Modules, m => Assert.True(m.Headroom > 1, $"{m.Module}: {m.Headroom}")); // a fresh tiny model is far from overflow

        lock (live)
        {
            var published = Assert.Single(live, h => h.RunId == runId);
            Assert.Equal(sample.Modules.Count, published.Sample.Modules.Count);
        }
    }
}
