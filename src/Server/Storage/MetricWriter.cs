using System.Threading.Channels;
using NanoVlm.Client.Services;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Storage;

/// <summary>
/// Writes metrics to LiteDB in batches, at most <see cref="MaxDelay"/> behind the engine: one insert per batch
/// instead of one per step (100k single inserts take seconds; batches take milliseconds). A failed write (disk full)
/// is logged and that batch dropped; the writer keeps going, so the server keeps serving.
/// </summary>
public sealed partial class MetricWriter(RunStore store, ILogger<MetricWriter> logger) : BackgroundService
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);
    private const int MaxBatch = 1000;

    private readonly Channel<MetricDocument> _pending = Channel.CreateUnbounded<MetricDocument>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(string runId, IEnumerable<MetricSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var sample in samples)
        {
            _pending.Writer.TryWrite(MetricDocument.From(runId, sample));
        }
    }

    /// <summary>
    /// Writes everything queued so far (before a run's final state is recorded, before a rollback trims the curve, and
    /// when the server stops). A failed write is logged like a batch's, so a full disk cannot fail the caller.
    /// </summary>
    public void Flush()
    {
        lock (_pending)
        {
            var batch = new List<MetricDocument>();
            while (_pending.Reader.TryRead(out var metric))
            {
                batch.Add(metric);
            }
            if (batch.Count > 0)
            {
                Write(batch);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                // Let a batch gather, then write it in one go.
                await Task.Delay(MaxDelay, stoppingToken);
                lock (_pending)
                {
                    var batch = new List<MetricDocument>(MaxBatch);
                    while (_pending.Reader.TryRead(out var metric))
                    {
                        batch.Add(metric);
                        if (batch.Count == MaxBatch)
                        {
                            Write(batch);
                            batch.Clear();
                        }
                    }
                    if (batch.Count > 0)
                    {
                        Write(batch);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Flush();
    }

    private void Write(List<MetricDocument> batch)
    {
        try
        {
            store.AppendMetrics(batch);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            // Without this catch the background service would fault and stop the whole server.
            LogWriteFailed(logger, e, batch.Count, batch[0].RunId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Count} metric(s) of run {RunId}; check free space and permissions of the data folder")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, string runId);
}
