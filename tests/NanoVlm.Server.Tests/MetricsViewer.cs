using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Server.Live;

namespace NanoVlm.Server.Tests;

/// <summary>A real SignalR client on /hubs/runs subscribed to one run, remembering every metric step and when it came.</summary>
public sealed class MetricsViewer : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly List<(long Step, DateTime ReceivedAt)> _received = [];

    private MetricsViewer(HubConnection connection)
    {
        _connection = connection;
        _connection.On<string, IReadOnlyList<MetricSample>>(nameof(IRunsClient.Metrics), (_, samples) =>
        {
            var now = DateTime.UtcNow;
            lock (_received)
            {
                foreach (var sample in samples) _received.Add((sample.Step, now));
            }
        });
    }

    public IReadOnlyList<(long Step, DateTime ReceivedAt)> Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    public HubConnectionState State => _connection.State;

    public static async Task<MetricsViewer> ConnectAsync(Uri baseAddress, string runId, Func<HttpMessageHandler>? handler = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, RunsHub.Path), options =>
            {
                if (handler is not null)
                {
                    options.HttpMessageHandlerFactory = _ => handler();
                    options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                }
            })
            .AddJsonProtocol(options => Hosting.ApiJson.Configure(options.PayloadSerializerOptions))
            .Build();
        var viewer = new MetricsViewer(connection);
        await connection.StartAsync();
        await connection.InvokeAsync(nameof(RunsHub.SubscribeRun), runId);
        return viewer;
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
