using System.Diagnostics;
using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Benchmarks;

/// <summary>
/// Metrics per second the dashboard's storage path absorbs: the server's own <see cref="MetricWriter"/>,
/// <see cref="RunStore"/> and <see cref="DashboardDatabase"/> on a LiteDB file in a temporary data folder. Each
/// metric is enqueued one step at a time, as a running trainer does, and the clock stops when the writer has flushed
/// the last one to disk.
/// </summary>
internal static class MetricIngestBenchmark
{
    private const string RunId = "bench";

    public static async Task<double> MedianMetricsPerSecondAsync(int metrics, int repeats, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(metrics, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        await OnceAsync(Math.Max(1, metrics / 10), cancellationToken); // warm-up: LiteDB's mapper, the JIT
        var rates = new List<double>(repeats);
        for (var i = 0; i < repeats; i++)
        {
            rates.Add(await OnceAsync(metrics, cancellationToken));
        }
        return Measure.Median(rates);
    }

    private static async Task<double> OnceAsync(int count, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("nanovlm-bench-db-").FullName;
        try
        {
            using var dataDirectory = new DataDirectory(Options.Create(new StorageOptions { DataDir = folder }));
            using var database = new DashboardDatabase(dataDirectory);
            using var writer = new MetricWriter(new RunStore(database), Microsoft.Extensions.Logging.Abstractions.NullLogger<MetricWriter>.Instance);
            var samples = Enumerable.Range(1, count).Select(Sample).ToArray();

            var clock = Stopwatch.StartNew();
            await writer.StartAsync(cancellationToken);
            foreach (var sample in samples)
            {
                writer.Enqueue(RunId, [sample]);
            }
            await writer.StopAsync(cancellationToken);
            // The server flushes before it records a run's end; do the same, because a writer stopped before its
            // background loop got a thread (a loaded machine) has not flushed on its own.
            writer.Flush();
            var seconds = clock.Elapsed.TotalSeconds;

            var stored = database.Metrics.Count();
            if (stored != count)
                throw new InvalidOperationException($"The metric writer stored {stored} of {count} metrics.");
            return count / seconds;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static MetricSample Sample(int step) => new(
        Step: step,
        TokensSeen: step * 1024L,
        ElapsedSeconds: step * 0.25,
        Loss: 2 + 8 / Math.Sqrt(step),
        GradNorm: 1.5,
        LearningRateProjector: 3e-3,
        LearningRateVision: 1e-3,
        LearningRateLanguage: 1e-3,
        LossScale: 1,
        TokensPerSecond: 4096,
        Precision: "fp32",
        Skipped: false);
}
