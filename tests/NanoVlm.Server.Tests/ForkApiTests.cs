using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Tests;

/// <summary>
/// Runs started from existing weights over the API: a fork of a run's checkpoint records its parent and continues its
/// loss; weights outside the allowed folders, and checkpoints whose tensors do not match their config, are refused with
/// the reason and start nothing.
/// </summary>
public sealed class ForkApiTests : IClassFixture<DashboardFactory>
{
    private readonly DashboardFactory _factory;
    private readonly HttpClient _client;

    public ForkApiTests(DashboardFactory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
    }

    [Fact]
    public async Task A_fork_of_a_runs_checkpoint_records_its_parent_and_starts_from_its_weights()
    {
        var (parentId, checkpoint) = await CompletedRunAsync("parent", steps: 12);
        var parentMetrics = await RunsApi.GetMetricsAsync(_client, parentId);

        var fork = await StartAsync($"{{\"name\":\"fork\",\"init\":\"checkpoint:{Escape(checkpoint)}\",\"steps\":2,\"eval_interval\":2,\"checkpoint_interval\":2}}");
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(_client, fork.Id)).Status == RunStatus.Completed, "the fork to complete");

        var run = await RunsApi.GetRunAsync(_client, fork.Id);
        Assert.Equal(parentId, run.ParentRunId);
        Assert.Equal(12, run.ParentStep);
        Assert.Equal(checkpoint, run.Init);
        Assert.Contains("parent · step 12", run.Model, StringComparison.Ordinal);
        var forkMetrics = await RunsApi.GetMetricsAsync(_client, fork.Id);
        // The parent started at about ln V; the fork continues near where the parent ended.
        Assert.True(forkMetrics[0].Loss < parentMetrics[0].Loss - 1, $"fork's first loss {forkMetrics[0].Loss:0.000}, parent's first {parentMetrics[0].Loss:0.000}");
        // The parent's settings come with it (RunsApi.TinyRun's batch of 2, not the tiny preset's 8).
        var document = _factory.Services.GetRequiredService<RunStore>().GetDocument(fork.Id)!;
        using var config = JsonDocument.Parse(document.ConfigurationJson);
        Assert.Equal(2, config.RootElement.GetProperty("batch_size").GetInt32());
        Assert.Equal(checkpoint, config.RootElement.GetProperty("init").GetString());
    }

    [Fact]
    public async Task Weights_outside_the_allowed_folders_are_refused_under_init()
    {
        using var response = await PostAsync("{\"init\":\"/etc\",\"steps\":1}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = problem.RootElement.GetProperty("errors").GetProperty("Init")[0].GetString();
        Assert.Contains("Storage:ModelRoots", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_whose_tensors_do_not_match_its_config_is_refused_naming_the_tensor_and_starts_nothing()
    {
        var (_, checkpoint) = await CompletedRunAsync("shapes", steps: 2);
        var broken = Path.Combine(_factory.DataDir, "models", "broken");
        Directory.CreateDirectory(broken);
        foreach (var file in Directory.GetFiles(checkpoint)) File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
        var configPath = Path.Combine(broken, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"lm_hidden_dim\": 128", "\"lm_hidden_dim\": 96", StringComparison.Ordinal));
        var runsBefore = (await _client.GetStringAsync(new Uri("/api/runs", UriKind.Relative))).Length;

        using var response = await PostAsync($"{{\"init\":\"{Escape(broken)}\",\"steps\":1}}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("[", body, StringComparison.Ordinal); // both shapes are given
        Assert.Contains("lm_hidden_dim", body, StringComparison.Ordinal);
        Assert.Equal(runsBefore, (await _client.GetStringAsync(new Uri("/api/runs", UriKind.Relative))).Length);
    }

    private async Task<(string RunId, string Checkpoint)> CompletedRunAsync(string name, int steps)
    {
        var run = await RunsApi.StartAsync(_client, RunsApi.TinyRun(name, steps, checkpointInterval: steps) with { LrLanguage = 3e-3 });
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(_client, run.Id)).Status == RunStatus.Completed, $"run {name} to complete");
        var folder = _factory.Services.GetRequiredService<RunStore>().GetDocument(run.Id)!.OutputDirectory;
        return (run.Id, Path.Combine(folder, RunFiles.CheckpointsFolder, $"step_{steps:D6}"));
    }

    private async Task<RunSummary> StartAsync(string json)
    {
        using var response = await PostAsync(json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonSerializer.Deserialize<RunSummary>(body, RunsApi.Json)!;
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        _client.PostAsync(new Uri("/api/runs", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    private static string Escape(string path) => JsonEncodedText.Encode(path).ToString();
}
