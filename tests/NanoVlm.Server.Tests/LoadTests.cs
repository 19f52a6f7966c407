using NanoVlm.Client.Services;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Server.Tests;

/// <summary>
/// The load test in its reduced form (the full form is the <c>load-test</c> verb): during a short tiny training run on
/// the real server process, several SignalR viewers, API pollers and playground questions at once. No request may
/// fail, every viewer must see every step, the stored curve must have every step once, and memory must stay bounded.
/// </summary>
public sealed class LoadTests : IDisposable
{
    private const int Viewers = 5;
    private const int Pollers = 2;
    private const int Steps = 20;

    /// <summary>Generous: a tiny run and a tiny playground model need a few hundred MB; a leak under load needs more.</summary>
    private const long MaxWorkingSetGrowth = 1536L * 1024 * 1024;

    private readonly string _dataDir = Directory.CreateTempSubdirectory("nanovlm-load-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Viewers_pollers_and_questions_during_a_run_see_every_metric_without_errors_and_memory_stays_bounded()
    {
        using var server = await ServerProcess.StartAsync(_dataDir);
        var baseline = server.WorkingSet;
        var peak = baseline;
        var runId = (await RunsApi.StartAsync(server.Client, RunsApi.TinyRun("load", Steps, checkpointInterval: Steps))).Id;

        var viewers = new List<MetricsViewer>();
        for (var i = 0; i < Viewers; i++) viewers.Add(await MetricsViewer.ConnectAsync(server.BaseAddress, runId));
        using var stop = new CancellationTokenSource();
        var pollers = Enumerable.Range(0, Pollers).Select(_ => PollAsync(server.Client, runId, stop.Token)).ToArray();
        var questions = Enumerable.Range(0, 2).Select(i => AskAsync(server.Client, $"What is written at line {i}?")).ToArray();

        await RunsApi.WaitUntilAsync(async () =>
        {
            peak = Math.Max(peak, server.WorkingSet);
            return (await RunsApi.GetRunAsync(server.Client, runId)).Status is not (RunStatus.Running or RunStatus.Queued);
        }, "the run under load to finish", () => server.Output);
        await stop.CancelAsync();
        var polled = await Task.WhenAll(pollers);
        var answers = await Task.WhenAll(questions);

        Assert.Equal(RunStatus.Completed, (await RunsApi.GetRunAsync(server.Client, runId)).Status);
        var stored = await RunsApi.GetMetricsAsync(server.Client, runId);
        RunsApi.AssertContiguousFromOne(stored);
        Assert.Equal(Steps, stored.Count);
        foreach (var viewer in viewers)
        {
            // Subscribed after the run was queued but maybe after its first steps: from the first step seen, all of them.
            var steps = viewer.Received.Select(r => r.Step).ToArray();
            Assert.NotEmpty(steps);
            Assert.Equal(Enumerable.Range((int)steps[0], Steps - (int)steps[0] + 1).Select(s => (long)s), steps);
            await viewer.DisposeAsync();
        }
        foreach (var steps in polled)
        {
            Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), steps);
        }
        foreach (var (status, body) in answers)
        {
            Assert.True(status == 200, $"POST /api/ask answered {status}: {body}\nserver output:\n{server.Output}");
            Assert.Contains("\"answer\"", body, StringComparison.Ordinal);
        }
        Assert.True(peak - baseline < MaxWorkingSetGrowth,
            $"the server grew from {baseline / 1048576} MiB to {peak / 1048576} MiB under load");
    }

    /// <summary>Asks for new metrics after the last step seen, like the run page's fallback polling; returns every step seen.</summary>
    private static async Task<List<long>> PollAsync(HttpClient client, string runId, CancellationToken stop)
    {
        var seen = new List<long>();
        long after = 0;
        while (true)
        {
            var finished = stop.IsCancellationRequested;
            var metrics = await RunsApi.GetMetricsAsync(client, runId, after); // throws on any error status
            seen.AddRange(metrics.Select(m => m.Step));
            if (metrics.Count > 0) after = metrics[^1].Step;
            if (finished) return seen;
            await Task.Delay(100, CancellationToken.None);
        }
    }

    private static async Task<(int Status, string Body)> AskAsync(HttpClient client, string question)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Png(96, 64)), "image", "page.png" },
            { new StringContent(question), "question" },
            { new StringContent("tiny"), "model" },
            { new StringContent("4"), "max_new_tokens" },
        };
        using var response = await client.PostAsync(new Uri("/api/ask", UriKind.Relative), form);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(250, 250, 250));
        for (var x = 8; x < width - 8; x++) image[x, height / 2] = new Rgb24(0, 0, 0);
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }
}
