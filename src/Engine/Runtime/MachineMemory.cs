using System.Globalization;

namespace NanoVlm.Engine.Runtime;

/// <summary>Memory a run can use, and how that figure was found (for messages).</summary>
/// <param name="Bytes">what a new run may take</param>
/// <param name="TotalBytes">the machine's (or container's) whole memory, when known</param>
/// <param name="Source">for people: "available now (MemAvailable)", "the process's memory limit"...</param>
public sealed record AvailableMemory(long Bytes, long? TotalBytes, string Source);

/// <summary>
/// The CPU memory a training run on this machine can still take: Linux's <c>MemAvailable</c> (free memory plus caches
/// the kernel can drop; what other processes and this one already hold is not counted), capped by the memory limit
/// .NET sees (a container's cgroup limit). Elsewhere, that limit alone.
/// </summary>
public static class MachineMemory
{
    private const string MemInfoPath = "/proc/meminfo";

    public static AvailableMemory Available()
    {
        var limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long? limitOrNull = limit > 0 ? limit : null;
        if (MemInfo("MemAvailable:") is { } available)
        {
            var total = MemInfo("MemTotal:");
            var capped = limitOrNull is { } l && l < available ? l : available;
            return new AvailableMemory(capped, Math.Min(total ?? long.MaxValue, limitOrNull ?? long.MaxValue),
                capped == available ? "available now (MemAvailable)" : "the process's memory limit");
        }
        return new AvailableMemory(limit, limitOrNull, "the memory .NET reports for this process");
    }

    private static long? MemInfo(string field)
    {
        try
        {
            foreach (var line in File.ReadLines(MemInfoPath))
            {
                if (line.StartsWith(field, StringComparison.Ordinal)
                    && long.TryParse(line[field.Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                    return kib * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc is hidden: fall back to the limit .NET sees.
        }
        return null;
    }
}
