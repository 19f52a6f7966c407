using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Server.Live;
using NanoVlm.Server.Storage;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Tests;

public sealed class RunsApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task UnknownRunIsAProblemDetails404()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/api/runs/no-such-run/metrics");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-such-run", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsKeepNonFiniteValuesAndFilterByStep()
    {
        var runId = CreateRun();
        var writer = factory.Services.GetRequiredService<MetricWriter>();
        writer.Enqueue(runId, [Sample(1, 2.5), Sample(2, double.NaN), Sample(3, double.PositiveInfinity)]);
        writer.Flush();

        using var client = factory.CreateClient();
        var json = await client.GetStringAsync($"/api/runs/{runId}/metrics?after=1");
        using var document = JsonDocument.Parse(json);
        var losses = document.RootElement.EnumerateArray().Select(m => m.GetProperty("loss").GetString() ?? "").ToArray();
        Assert.Equal(["NaN", "Infinity"], losses);

        var runs = await client.GetStringAsync("/api/runs");
        Assert.Contains($"\"id\":\"{runId}\"", runs, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"Running\"", runs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricWriterCatchesUpWithinASecondWithoutAFlush()
    {
        var runId = CreateRun();
        factory.Services.GetRequiredService<MetricWriter>().Enqueue(runId, [Sample(1, 1.0), Sample(2, 0.9)]);
        var store = factory.Services.GetRequiredService<RunStore>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (store.GetMetrics(runId).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(2, store.GetMetrics(runId).Count);
    }

    [Fact]
    public async Task SignalRClientReceivesARunsMetricsAndAlerts()
    {
        var runId = CreateRun();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, RunsHub.Path), options =>
            {
                options.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
            })
            .AddJsonProtocol(options => Hosting.ApiJson.Configure(options.PayloadSerializerOptions))
            .Build();
        var metrics = new TaskCompletionSource<IReadOnlyList<MetricSample>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var alert = new TaskCompletionSource<RunEventInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<string, IReadOnlyList<MetricSample>>(nameof(IRunsClient.Metrics), (_, samples) => metrics.TrySetResult(samples));
        connection.On<RunEventInfo>(nameof(IRunsClient.RunEvent), info => alert.TrySetResult(info));
        await connection.StartAsync();
        await connection.InvokeAsync(nameof(RunsHub.SubscribeRun), runId);

        var publisher = factory.Services.GetRequiredService<RunUpdatePublisher>();
        publisher.Publish(new RunUpdate.Metrics(runId, [Sample(7, double.NaN)]));
        publisher.Publish(new RunUpdate.Happened(runId, new RunEventInfo(runId, 7, DateTimeOffset.UtcNow, "nan", RunEventSeverity.Alert,
            "Loss became NaN at step 7", new Dictionary<string, string> { ["module"] = "decoder.blocks.2.mlp" })));

        var received = await metrics.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, Assert.Single(received).Step);
        Assert.True(double.IsNaN(received[0].Loss));
        var info = await alert.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("decoder.blocks.2.mlp", info.Details["module"]);
    }

    [Fact]
    public async Task CancellingAQueuedRunLeavesAnEvent()
    {
        var runId = CreateRun(RunStatus.Queued);
        using var client = factory.CreateClient();
        using var cancel = await client.PostAsync(new Uri($"/api/runs/{runId}/cancel", UriKind.Relative), null);
        Assert.True(cancel.IsSuccessStatusCode, $"cancel: {(int)cancel.StatusCode}");

        var events = await RunsApi.GetEventsAsync(client, runId);
        var cancelled = Assert.Single(events);
        Assert.Equal("state", cancelled.Kind);
        Assert.Equal("Run cancelled while queued", cancelled.Message);
        Assert.Equal(RunStatus.Cancelled, (await RunsApi.GetRunAsync(client, runId)).Status);
    }

    private string CreateRun(RunStatus status = RunStatus.Running)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        factory.Services.GetRequiredService<RunStore>().Upsert(new RunDocument
        {
            Id = id, Name = "test", Status = status, Model = "tiny", Precision = "fp32", TotalSteps = 10, CreatedAt = DateTime.UtcNow,
        });
        return id;
    }

    private static MetricSample Sample(long step, double loss) => new(step, step * 100, step, loss, 1.0, 1e-3, 1e-4, 1e-4, 1, 1000, "fp32", false);
}
