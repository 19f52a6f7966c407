using System.Globalization;
using System.Runtime.InteropServices;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>
/// This process's resident memory as Linux reports it in /proc/self/status: the current resident set (VmRSS) and its
/// high-water mark (VmHWM), which writing 5 to /proc/self/clear_refs resets.
/// </summary>
internal static class ProcessMemory
{
    public static bool Available => File.Exists(StatusPath);

    public static long ResidentBytes() => StatusField("VmRSS:");

    public static long PeakResidentBytes() => StatusField("VmHWM:");

    /// <summary>Starts a new high-water mark at the current resident size; false where the kernel does not allow it.</summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Gives memory freed earlier back to the system (managed garbage, then glibc's free lists), so that new
    /// allocations show up as resident-set growth instead of silently reusing pages the process already holds.
    /// </summary>
    public static void ReleaseFreedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: nothing to trim.
        }
    }

    private const string StatusPath = "/proc/self/status";

    private static long StatusField(string name)
    {
        foreach (var line in File.ReadLines(StatusPath))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"{StatusPath} has no {name} line.");
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}
