using System.Threading.Channels;
using NanoVlm.Client.Services;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Storage;

/// <summary>
/// Writes metrics to LiteDB in batches, at most <see cref="MaxDelay"/> behind the engine: one insert per batch
/// instead of one per step (100k single inserts take seconds; batches take milliseconds).
/// </summary>
public sealed class MetricWriter(RunStore store) : BackgroundService
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

    /// <summary>Writes everything queued so far (used before a run's final state is recorded).</summary>
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
                store.AppendMetrics(batch);
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
                            store.AppendMetrics(batch);
                            batch.Clear();
                        }
                    }
                    if (batch.Count > 0)
                    {
                        store.AppendMetrics(batch);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Flush();
    }
}
