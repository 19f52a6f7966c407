using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Tests;

/// <summary>The runs API as a test drives it over HTTP, with polling helpers sized for a loaded 2-core machine.</summary>
public static class RunsApi
{
    public static readonly TimeSpan LongWait = TimeSpan.FromMinutes(6);

    public static JsonSerializerOptions Json { get; } = CreateJson();

    /// <summary>
    /// The tiny preset cut down to train a step in about a second on a CPU: two 64 px pages a step, short rows,
    /// fp32, a checkpoint every <paramref name="checkpointInterval"/> steps and no evaluation besides step 0.
    /// </summary>
    public static RunRequest TinyRun(string name, int steps, int checkpointInterval) => new()
    {
        Name = name,
        Preset = "tiny",
        Precision = "fp32",
        BatchSize = 2,
        GradAccum = 1,
        MaxLength = 48,
        Steps = steps,
        EvalInterval = steps,
        CheckpointInterval = checkpointInterval,
        Data = "synthetic:easy",
        Seed = 3,
        NanPolicy = "stop",
    };

    public static async Task<RunSummary> StartAsync(HttpClient client, RunRequest request)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/runs", UriKind.Relative), request, Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/runs: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<RunSummary>(body, Json)!;
    }

    public static async Task<RunSummary> GetRunAsync(HttpClient client, string runId) =>
        (await client.GetFromJsonAsync<RunSummary>(new Uri($"/api/runs/{runId}", UriKind.Relative), Json))!;

    public static async Task<IReadOnlyList<MetricSample>> GetMetricsAsync(HttpClient client, string runId, long after = -1) =>
        (await client.GetFromJsonAsync<List<MetricSample>>(new Uri($"/api/runs/{runId}/metrics?after={after}", UriKind.Relative), Json))!;

    public static async Task<IReadOnlyList<RunEventInfo>> GetEventsAsync(HttpClient client, string runId) =>
        (await client.GetFromJsonAsync<List<RunEventInfo>>(new Uri($"/api/runs/{runId}/events", UriKind.Relative), Json))!;

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after <see cref="LongWait"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + LongWait;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.{(diagnostics is null ? "" : "\n" + diagnostics())}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Steps 1..N, each once, in order: nothing lost, nothing recorded twice.</summary>
    public static void AssertContiguousFromOne(IReadOnlyList<MetricSample> metrics)
    {
        var steps = metrics.Select(m => m.Step).ToArray();
        Assert.Equal(Enumerable.Range(1, steps.Length).Select(i => (long)i), steps);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Hosting.ApiJson.Configure(options);
        return options;
    }
}
