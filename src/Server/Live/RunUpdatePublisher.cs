using NanoVlm.Client.Services;
using NanoVlm.Engine.Messaging;

namespace NanoVlm.Server.Live;

/// <summary>
/// The in-process fan-out of run updates to open pages (and to the SignalR hub forwarder), through a
/// <see cref="Broadcaster{T}"/>: publishing never blocks on subscribe or unsubscribe, and a failing handler is
/// logged without stopping the others.
/// </summary>
public sealed partial class RunUpdatePublisher : IRunUpdates
{
    private readonly Broadcaster<RunUpdate> _updates;

    public RunUpdatePublisher(ILogger<RunUpdatePublisher> logger) =>
        _updates = new Broadcaster<RunUpdate>((exception, update) => LogHandlerFailed(logger, exception, update.RunId));

    public IDisposable Subscribe(string? runId, Action<RunUpdate> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return _updates.Subscribe(runId is null ? handler : update =>
        {
            if (update.RunId == runId) handler(update);
        });
    }

    public void Publish(RunUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        _updates.Publish(update);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A run update subscriber failed for run {RunId}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string runId);
}
