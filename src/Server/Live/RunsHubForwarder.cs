using Microsoft.AspNetCore.SignalR;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Live;

/// <summary>Forwards every in-process run update to the SignalR hub's groups.</summary>
public sealed class RunsHubForwarder(IRunUpdates updates, IHubContext<RunsHub, IRunsClient> hub) : IHostedService, IDisposable
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = updates.Subscribe(runId: null, Forward);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
    }

    // Sends are fire-and-forget: a slow client must never hold up training. SignalR queues per connection.
    private void Forward(RunUpdate update)
    {
        var run = hub.Clients.Group(RunsHub.GroupOf(update.RunId));
        var everyone = hub.Clients.Group(RunsHub.AllRunsGroup);
        _ = update switch
        {
            RunUpdate.Metrics metrics => run.Metrics(metrics.RunId, metrics.Samples),
            RunUpdate.Evaluation evaluation => run.Evaluation(evaluation.RunId, evaluation.Sample),
            RunUpdate.Happened happened => Task.WhenAll(run.RunEvent(happened.Info), everyone.RunEvent(happened.Info)),
            RunUpdate.Summary summary => Task.WhenAll(run.RunChanged(summary.Run), everyone.RunChanged(summary.Run)),
            _ => Task.CompletedTask,
        };
    }
}
