namespace NanoVlm.Client.Services;

/// <summary>
/// What the run page's system panel shows: this server process's CPU and memory, and the GPU's memory when the
/// engine computes on one.
/// </summary>
/// <param name="CpuPercent">the process's CPU time over the last interval, as a share of all logical cores (0–100)</param>
/// <param name="WorkingSetBytes">resident memory of the whole process</param>
/// <param name="ManagedHeapBytes">what the .NET garbage collector holds</param>
/// <param name="NativeHeapBytes">
/// resident anonymous memory outside the .NET heap: libtorch's tensors and allocator caches, mostly (an estimate:
/// the runtime's own native allocations are in it too)
/// </param>
/// <param name="Device">the GPU's memory, or null when the engine runs on the CPU</param>
public sealed record SystemMetrics(
    DateTimeOffset Time,
    double CpuPercent,
    int LogicalCores,
    long WorkingSetBytes,
    long ManagedHeapBytes,
    long NativeHeapBytes,
    DeviceMemory? Device);

/// <summary>A GPU's memory as its driver reports it (every process's use), or why it could not be read.</summary>
public sealed record DeviceMemory(string Device, string? Name, long? UsedBytes, long? TotalBytes, string? Problem);

/// <summary>Samples <see cref="SystemMetrics"/>; implemented by the server over the process and the GPU driver.</summary>
public interface ISystemMetricsProvider
{
    /// <summary>A fresh sample (callers refresh every second or two; the CPU share covers the time since the previous one).</summary>
    SystemMetrics Sample();
}
