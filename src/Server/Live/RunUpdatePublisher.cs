using System.Collections.Immutable;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Live;

/// <summary>
/// The in-process fan-out of run updates to open pages (and to the SignalR hub forwarder). Subscribers are kept in
/// an immutable list swapped atomically, so publishing never blocks on subscribe/unsubscribe and a failing
/// handler cannot stop the others.
/// </summary>
public sealed partial class RunUpdatePublisher(ILogger<RunUpdatePublisher> logger) : IRunUpdates
{
    private ImmutableList<Subscription> _subscriptions = [];

    public IDisposable Subscribe(string? runId, Action<RunUpdate> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, runId, handler);
        ImmutableInterlocked.Update(ref _subscriptions, list => list.Add(subscription));
        return subscription;
    }

    public void Publish(RunUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (var subscription in _subscriptions)
        {
            if (subscription.RunId is not null && subscription.RunId != update.RunId)
            {
                continue;
            }
            try
            {
                subscription.Handler(update);
            }
            catch (Exception e)
            {
                LogHandlerFailed(logger, e, update.RunId);
            }
        }
    }

    private void Remove(Subscription subscription) => ImmutableInterlocked.Update(ref _subscriptions, list => list.Remove(subscription));

    [LoggerMessage(Level = LogLevel.Warning, Message = "A run update subscriber failed for run {RunId}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string runId);

    private sealed class Subscription(RunUpdatePublisher owner, string? runId, Action<RunUpdate> handler) : IDisposable
    {
        public string? RunId { get; } = runId;

        public Action<RunUpdate> Handler { get; } = handler;

        public void Dispose() => owner.Remove(this);
    }
}
