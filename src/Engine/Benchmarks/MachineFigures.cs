using System.Globalization;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>
/// The machine the figures were measured on: cores, the threads the engine used, the CPU flags that decide which
/// precisions are fast, memory, library versions, and the load average (the machine may be shared).
/// </summary>
public sealed record MachineFigures(
    string CpuModel,
    int LogicalCores,
    int Threads,
    bool Avx512Bf16,
    bool AmxBf16,
    string CpuFlags,
    double MemoryGib,
    string TorchsharpVersion,
    string LibtorchVersion,
    double LoadAverageOneMinute,
    double LoadAverageFiveMinutes)
{
    public static MachineFigures Detect()
    {
        var info = TorchRuntimeInfo.Detect(EngineDevice.Resolve("cpu"));
        var (load1, load5) = LoadAverage();
        return new MachineFigures(
            ReadCpuModel(),
            info.LogicalCores,
            info.Threads,
            info.Cpu.Avx512Bf16,
            info.Cpu.AmxBf16,
            info.Cpu.Summary,
            MemoryBytes() / (1024.0 * 1024 * 1024),
            info.TorchSharpVersion,
            info.LibTorchVersion,
            load1,
            load5);
    }

    /// <summary>The 1- and 5-minute load averages from /proc/loadavg (0 where unavailable).</summary>
    public static (double OneMinute, double FiveMinutes) LoadAverage()
    {
        const string path = "/proc/loadavg";
        if (!File.Exists(path)) return (0, 0);
        var fields = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length < 2
            ? (0, 0)
            : (double.Parse(fields[0], CultureInfo.InvariantCulture), double.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    private static string ReadCpuModel() => ProcField("/proc/cpuinfo", "model name") ?? "unknown";

    /// <summary>Physical memory: MemTotal from /proc/meminfo, else what the runtime believes it may use.</summary>
    private static long MemoryBytes()
    {
        var kib = ProcField("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return kib is not null && long.TryParse(kib, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value * 1024
            : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>The value after the colon of the first line of a /proc file whose key is <paramref name="key"/>.</summary>
    private static string? ProcField(string path, string key)
    {
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == key) return line[(colon + 1)..].Trim();
        }
        return null;
    }
}
