using System.Diagnostics;
using System.Globalization;
using NanoVlm.Client.Services;
using NanoVlm.Server.Engine;

namespace NanoVlm.Server.Monitoring;

/// <summary>
/// Samples this process for the run page's system panel: CPU time since the previous sample as a share of all
/// cores, the working set, the .NET heap and the resident native memory around it (libtorch's tensors, mostly;
/// read from /proc/self/status on Linux), plus the GPU's memory when the engine computes on one. Samples closer
/// together than <see cref="MinInterval"/> share one reading, so many open tabs cost one.
/// </summary>
public sealed class ProcessMetricsSampler(EngineRuntime engine, NvmlDeviceMemory gpu) : ISystemMetricsProvider, IDisposable
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(500);
    private const string StatusFile = "/proc/self/status";

    private readonly Lock _gate = new();
    private readonly Process _process = Process.GetCurrentProcess();
    private long _lastTimestamp;
    private TimeSpan _lastCpuTime;
    private SystemMetrics? _last;

    public SystemMetrics Sample()
    {
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (_last is not null && Stopwatch.GetElapsedTime(_lastTimestamp, now) < MinInterval)
            {
                return _last;
            }
            _process.Refresh();
            var cpuTime = _process.TotalProcessorTime;
            // The first sample has no previous one: it reports the average since the process started.
            var (cpuSpent, wall) = _last is null
                ? (cpuTime, DateTime.Now - _process.StartTime)
                : (cpuTime - _lastCpuTime, Stopwatch.GetElapsedTime(_lastTimestamp, now));
            var cores = Environment.ProcessorCount;
            var cpuPercent = wall > TimeSpan.Zero ? Math.Clamp(100 * cpuSpent / (wall * cores), 0, 100) : 0;

            var workingSet = _process.WorkingSet64;
            var managed = Math.Max(GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo().TotalCommittedBytes);
            // Anonymous resident memory holds both heaps; mapped library code (libtorch is large) is left out.
            var anonymous = ReadResidentAnonymousBytes() ?? workingSet;
            var native = Math.Max(0, anonymous - managed);

            var device = engine.Info.Device;
            var deviceMemory = device.StartsWith("cuda", StringComparison.Ordinal) ? gpu.Read(device) : null;

            (_lastTimestamp, _lastCpuTime) = (now, cpuTime);
            _last = new SystemMetrics(DateTimeOffset.UtcNow, cpuPercent, cores, workingSet, managed, native, deviceMemory);
            return _last;
        }
    }

    /// <summary>RssAnon from /proc/self/status (kB), or null where there is no such file (not Linux).</summary>
    internal static long? ReadResidentAnonymousBytes()
    {
        try
        {
            foreach (var line in File.ReadLines(StatusFile))
            {
                if (!line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    continue;
                }
                var fields = line["RssAnon:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries); // "RssAnon:\t  1234 kB"
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kilobytes) ? kilobytes * 1024 : null;
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => _process.Dispose();
}
