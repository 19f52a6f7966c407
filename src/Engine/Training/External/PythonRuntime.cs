using System.Diagnostics;
using System.Text.Json;

namespace NanoVlm.Engine.Training.External;

/// <summary>A Python interpreter that can run the PyTorch engine: its path and what its PyTorch offers.</summary>
public sealed record PythonRuntime(string Executable, string PythonVersion, string TorchVersion, bool CudaAvailable, int CudaDevices);

/// <summary>A Python interpreter, PyTorch or a launcher is missing: the message says what to install.</summary>
public sealed class ExternalEngineUnavailableException : Exception
{
    public ExternalEngineUnavailableException(string message)
        : base(message)
    {
    }

    public ExternalEngineUnavailableException()
        : this("The external training engine is not available.")
    {
    }

    public ExternalEngineUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Finds and checks the Python interpreter the PyTorch engine runs on, before anything is started, so that a machine
/// without it gets one clear message (what is missing, and the Debian packages that provide it) instead of a failed run.
/// </summary>
public static class PythonRuntimes
{
    /// <summary>What a Debian or Ubuntu machine installs for the PyTorch engine on CPUs.</summary>
    public const string DebianPackages = "python3-torch python3-numpy libopenblas0-pthread";

    /// <summary>Tried in order when no interpreter is configured: the one on PATH, then Debian's (a python3 earlier on
    /// PATH, from pyenv or a virtual environment, may lack PyTorch where Debian's has it).</summary>
    public static IReadOnlyList<string> DefaultCandidates { get; } = ["python3", "/usr/bin/python3"];

    private const string ProbeScript =
        "import json, platform, sys\n" +
        "try:\n" +
        "    import torch, numpy, torch.distributed.run\n" +
        "except ImportError as e:\n" +
        "    print(json.dumps({'python': platform.python_version(), 'missing': e.name or str(e)})); sys.exit(0)\n" +
        "print(json.dumps({'python': platform.python_version(), 'torch': torch.__version__, 'cuda': torch.cuda.is_available(), 'devices': torch.cuda.device_count()}))\n";

    /// <summary>
    /// The configured interpreter, checked; or, when none is configured, the first of <see cref="DefaultCandidates"/>
    /// that has PyTorch.
    /// </summary>
    /// <exception cref="ExternalEngineUnavailableException">no usable interpreter (the message says what to install)</exception>
    public static PythonRuntime Find(string? configured, TimeSpan? timeout = null)
    {
        var candidates = configured is { Length: > 0 } ? [configured] : DefaultCandidates;
        var findings = new List<string>();
        foreach (var candidate in candidates)
        {
            var (runtime, problem) = Probe(candidate, timeout ?? TimeSpan.FromSeconds(60));
            if (runtime is not null) return runtime;
            findings.Add(problem!);
        }
        var what = configured is { Length: > 0 } ? $"Engines:Python is '{configured}'" : $"no Python with PyTorch among {string.Join(", ", candidates)}";
        throw new ExternalEngineUnavailableException(
            $"The PyTorch engine cannot run: {what} ({string.Join("; ", findings)}). On Debian or Ubuntu install it with " +
            $"'sudo apt-get install {DebianPackages}' (and use /usr/bin/python3); on a GPU machine install PyTorch's CUDA build " +
            "(pip install torch numpy) and set Engines:Python (or --python) to that interpreter.");
    }

    private static (PythonRuntime? Runtime, string? Problem) Probe(string executable, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(ProbeScript);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, $"{executable} cannot be started: {e.Message}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (null, $"{executable} did not answer within {timeout.TotalSeconds:0} s");
            }
            if (process.ExitCode != 0)
                return (null, $"{executable} exited with code {process.ExitCode}: {error.Result.Trim().Split('\n')[^1]}");
            try
            {
                using var json = JsonDocument.Parse(output.Result);
                var root = json.RootElement;
                var python = root.GetProperty("python").GetString() ?? "?";
                if (root.TryGetProperty("missing", out var missing))
                    return (null, $"{executable} (Python {python}) has no module '{missing.GetString()}'");
                return (new PythonRuntime(executable, python, root.GetProperty("torch").GetString() ?? "?", root.GetProperty("cuda").GetBoolean(),
                    root.GetProperty("devices").GetInt32()), null);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return (null, $"{executable} answered unexpectedly: {output.Result.Trim()}");
            }
        }
    }
}
