using System.Runtime.InteropServices;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// POSIX signals to a process: .NET's <c>Process.Kill</c> sends SIGKILL only, and torchrun must get SIGTERM to pass
/// it on to its workers (which then stop after the current step with a checkpoint).
/// </summary>
public static class ProcessSignals
{
    public const int SigTerm = 15;

    /// <summary>Sends SIGTERM; false when the process is gone (or this is not a POSIX system).</summary>
    public static bool Terminate(int processId) => !OperatingSystem.IsWindows() && Kill(processId, SigTerm) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
