using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NanoVlm.Client.Services;
using NanoVlm.Server.Hosting;
using NanoVlm.Server.Live;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Server.LoadTesting;

/// <summary>
/// Drives a running dashboard over loopback: first a tiny training run alone (the throughput baseline), then the same
/// run with SignalR viewers, API pollers and playground questions at once. Counts every error and every metric.
/// </summary>
public sealed class LoadTestDriver(Uri baseAddress, int viewers, int pollers, TimeSpan duration, TimeSpan baseline, TextWriter progress)
{
    private static readonly JsonSerializerOptions Json = CreateJson();
    private readonly ConcurrentQueue<string> _errors = new();
    private int _errorCount;

    public async Task<LoadTestReport> RunAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
        await progress.WriteLineAsync($"baseline: the run alone for {baseline.TotalSeconds:0} s");
        var (unloadedBefore, _, _) = await TrainAsync(http, "load-baseline-before", baseline, cancellationToken);

        var startMemory = WorkingSet();
        var peakMemory = startMemory;
        await progress.WriteLineAsync($"load: {viewers} viewers, {pollers} pollers and questions for {duration.TotalSeconds:0} s");
        var runId = (await StartRunAsync(http, "load-test", cancellationToken)).Id;
        var connections = new List<(HubConnection Connection, ConcurrentBag<long> Steps)>();
        for (var i = 0; i < viewers; i++) connections.Add(await ConnectViewerAsync(runId, cancellationToken));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long pollRequests = 0;
        var pollerTasks = Enumerable.Range(0, pollers).Select(_ => Task.Run(async () =>
        {
            long after = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var metrics = await http.GetFromJsonAsync<List<MetricSample>>(new Uri($"/api/runs/{runId}/metrics?after={after}", UriKind.Relative), Json, stop.Token);
                    Interlocked.Increment(ref pollRequests);
                    if (metrics is { Count: > 0 }) after = metrics[^1].Step;
                    await Task.Delay(200, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (Exception e) when (e is HttpRequestException or JsonException)
                {
                    Error($"poll: {e.Message}");
                }
            }
        }, CancellationToken.None)).ToArray();
        var questionTimes = new ConcurrentBag<double>();
        var questions = Task.Run(() => AskRepeatedlyAsync(http, questionTimes, stop.Token), CancellationToken.None);

        await WaitForFirstStepAsync(http, runId, cancellationToken);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
        {
            peakMemory = Math.Max(peakMemory, WorkingSet());
            await Task.Delay(500, cancellationToken);
        }
        await stop.CancelAsync();
        await Task.WhenAll(pollerTasks);
        await questions;
        var (loaded, stored, contiguous) = await StopAndMeasureAsync(http, runId, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // the last hub messages are on their way

        long delivered = 0;
        foreach (var (connection, steps) in connections)
        {
            delivered += steps.Distinct().Count(s => s <= stored);
            await connection.DisposeAsync();
        }
        // Measured again once everything is warm and the load is gone: on a shared machine the first figure alone
        // can be skewed by start-up or by other work.
        await progress.WriteLineAsync($"baseline again: the run alone for {baseline.TotalSeconds:0} s");
        var (unloadedAfter, _, _) = await TrainAsync(http, "load-baseline-after", baseline, cancellationToken);

        var times = questionTimes.Order().ToArray();
        return new LoadTestReport(viewers, pollers, duration.TotalSeconds, unloadedBefore, unloadedAfter, loaded, stored, contiguous, delivered, stored * viewers,
            pollRequests, times.Length, times.Length == 0 ? 0 : times[times.Length / 2], _errorCount, [.. _errors.Take(5)], startMemory, peakMemory);
    }

    private static async Task<(double TokensPerSecond, long Steps, bool Contiguous)> TrainAsync(HttpClient http, string name, TimeSpan length, CancellationToken cancellationToken)
    {
        var runId = (await StartRunAsync(http, name, cancellationToken)).Id;
        await WaitForFirstStepAsync(http, runId, cancellationToken);
        await Task.Delay(length, cancellationToken);
        return await StopAndMeasureAsync(http, runId, cancellationToken);
    }

    /// <summary>Data preparation, model creation and the step-0 evaluation take a while on a busy machine; the measured time starts after them.</summary>
    private static async Task WaitForFirstStepAsync(HttpClient http, string runId, CancellationToken cancellationToken)
    {
        while ((await http.GetFromJsonAsync<List<MetricSample>>(new Uri($"/api/runs/{runId}/metrics", UriKind.Relative), Json, cancellationToken))!.Count == 0)
        {
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>Cancels the run, waits until it has stopped, and measures tokens/s from its stored metrics (first step excluded: it holds start-up).</summary>
    private static async Task<(double TokensPerSecond, long Steps, bool Contiguous)> StopAndMeasureAsync(HttpClient http, string runId, CancellationToken cancellationToken)
    {
        using (await http.PostAsync(new Uri($"/api/runs/{runId}/cancel", UriKind.Relative), null, cancellationToken))
        {
        }
        while ((await http.GetFromJsonAsync<RunSummary>(new Uri($"/api/runs/{runId}", UriKind.Relative), Json, cancellationToken))!.Status
               is RunStatus.Running or RunStatus.Queued or RunStatus.Paused)
        {
            await Task.Delay(250, cancellationToken);
        }
        var metrics = (await http.GetFromJsonAsync<List<MetricSample>>(new Uri($"/api/runs/{runId}/metrics", UriKind.Relative), Json, cancellationToken))!;
        var contiguous = metrics.Select((m, i) => m.Step == i + 1).All(ok => ok);
        if (metrics.Count < 2) return (0, metrics.Count, contiguous);
        var (first, last) = (metrics[0], metrics[^1]);
        var seconds = last.ElapsedSeconds - first.ElapsedSeconds;
        return (seconds > 0 ? (last.TokensSeen - first.TokensSeen) / seconds : 0, metrics.Count, contiguous);
    }

    private static async Task<RunSummary> StartRunAsync(HttpClient http, string name, CancellationToken cancellationToken)
    {
        var request = new RunRequest
        {
            Name = name, Preset = "tiny", Precision = "fp32", BatchSize = 2, GradAccum = 1, MaxLength = 48, Steps = 100_000,
            EvalInterval = 100_000, CheckpointInterval = 100_000, Data = "synthetic:easy", Seed = 1, NanPolicy = "stop",
        };
        using var response = await http.PostAsJsonAsync(new Uri("/api/runs", UriKind.Relative), request, Json, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The server refused the load test's run: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        return (await response.Content.ReadFromJsonAsync<RunSummary>(Json, cancellationToken))!;
    }

    private async Task<(HubConnection, ConcurrentBag<long>)> ConnectViewerAsync(string runId, CancellationToken cancellationToken)
    {
        var steps = new ConcurrentBag<long>();
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, RunsHub.Path))
            .AddJsonProtocol(options => ApiJson.Configure(options.PayloadSerializerOptions))
            .Build();
        connection.On<string, IReadOnlyList<MetricSample>>(nameof(IRunsClient.Metrics), (_, samples) =>
        {
            foreach (var sample in samples) steps.Add(sample.Step);
        });
        connection.Closed += e =>
        {
            if (e is not null) Error($"viewer closed: {e.Message}");
            return Task.CompletedTask;
        };
        await connection.StartAsync(cancellationToken);
        await connection.InvokeAsync(nameof(RunsHub.SubscribeRun), runId, cancellationToken);
        return (connection, steps);
    }

    private async Task AskRepeatedlyAsync(HttpClient http, ConcurrentBag<double> times, CancellationToken stop)
    {
        var image = Page();
        var number = 0;
        while (!stop.IsCancellationRequested)
        {
            using var form = new MultipartFormDataContent
            {
                { new ByteArrayContent(image), "image", "page.png" },
                { new StringContent($"What is on line {++number}?"), "question" },
                { new StringContent("tiny"), "model" },
                { new StringContent("8"), "max_new_tokens" },
            };
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await http.PostAsync(new Uri("/api/ask", UriKind.Relative), form, CancellationToken.None);
                if (response.IsSuccessStatusCode) times.Add(clock.Elapsed.TotalMilliseconds);
                else Error($"ask: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                await Task.Delay(2000, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (HttpRequestException e)
            {
                Error($"ask: {e.Message}");
            }
        }
    }

    private void Error(string message)
    {
        Interlocked.Increment(ref _errorCount);
        if (_errors.Count < 20) _errors.Enqueue(message);
    }

    private static long WorkingSet()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static byte[] Page()
    {
        using var image = new Image<Rgb24>(128, 96, new Rgb24(250, 250, 250));
        for (var x = 10; x < 118; x++) image[x, 40] = new Rgb24(0, 0, 0);
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ApiJson.Configure(options);
        return options;
    }
}
