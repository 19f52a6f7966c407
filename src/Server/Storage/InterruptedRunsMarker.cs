namespace NanoVlm.Server.Storage;

/// <summary>On start-up, runs the previous process left active are recorded as interrupted.</summary>
public sealed partial class InterruptedRunsMarker(RunStore store, ILogger<InterruptedRunsMarker> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interrupted = store.MarkUnfinishedAsInterrupted(DateTime.UtcNow);
        if (interrupted.Count > 0)
        {
            LogInterrupted(logger, interrupted.Count, string.Join(", ", interrupted));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} run(s) were active when the server last stopped and are now marked interrupted: {RunIds}")]
    private static partial void LogInterrupted(ILogger logger, int count, string runIds);
}
