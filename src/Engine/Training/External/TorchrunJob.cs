using System.Diagnostics;
using System.Globalization;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// torchrun on this machine (<c>python3 -m torch.distributed.run</c>) starting the PyTorch engine's workers: its
/// console goes to <c>launcher.log</c> in the run folder and to an optional callback, the last lines are kept for a
/// failure's reason, SIGTERM asks it to stop (it passes the signal on to every worker), and SIGKILL to the whole
/// process tree ends it at once.
/// </summary>
public sealed class TorchrunJob : IExternalJob
{
    public const string LogFileName = "launcher.log";

    private readonly Process _process;
    private readonly OutputTail _tail = new();
    private readonly StreamWriter? _log;
    private readonly Lock _logGate = new();
    private readonly Action<string>? _onLine;
    private readonly TaskCompletionSource<JobExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TorchrunJob(Process process, StreamWriter? log, Action<string>? onLine)
    {
        _process = process;
        _log = log;
        _onLine = onLine;
    }

    public string Name { get; private set; } = "torchrun";

    public Task<JobExit> Exited => _exited.Task;

    public IReadOnlyList<string> LastLines => _tail.Lines;

    /// <summary>Starts torchrun with the trainer.</summary>
    /// <param name="packageRoot">the folder holding <c>nanovlm_distributed/</c> (see <see cref="DistributedPackage"/>)</param>
    /// <param name="arguments">the interpreter's arguments (<see cref="TorchrunSettings.Arguments"/>)</param>
    /// <param name="runFolder">created if missing; the launcher's log goes there</param>
    /// <param name="onLine">also receives every console line (the CLI prints them); called on the reader threads</param>
    /// <exception cref="ExternalEngineUnavailableException">the interpreter cannot be started</exception>
    public static TorchrunJob Start(PythonRuntime python, string packageRoot, IReadOnlyList<string> arguments, string runFolder, Action<string>? onLine = null)
    {
        ArgumentNullException.ThrowIfNull(python);
        ArgumentNullException.ThrowIfNull(arguments);
        Directory.CreateDirectory(runFolder);
        var start = new ProcessStartInfo(python.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // the workers never read the dashboard's console
            UseShellExecute = false,
            WorkingDirectory = runFolder,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var existing = Environment.GetEnvironmentVariable("PYTHONPATH");
        start.Environment["PYTHONPATH"] = string.IsNullOrEmpty(existing) ? packageRoot : packageRoot + Path.PathSeparator + existing;
        start.Environment["PYTHONUNBUFFERED"] = "1"; // lines reach the log as they are printed

        var log = new StreamWriter(Path.Combine(runFolder, LogFileName), append: true) { AutoFlush = true };
        log.WriteLine($"# {DateTimeOffset.UtcNow:O} {ShellQuoting.Join([python.Executable, .. arguments])}");
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var job = new TorchrunJob(process, log, onLine);
        process.OutputDataReceived += (_, e) => job.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => job.OnLine(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Dispose();
            process.Dispose();
            throw new ExternalEngineUnavailableException($"'{python.Executable}' cannot be started: {e.Message}. Install python3 ({PythonRuntimes.DebianPackages}) or set Engines:Python.", e);
        }
        job.Name = string.Create(CultureInfo.InvariantCulture, $"torchrun (pid {process.Id})");
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = job.WaitForExitAsync();
        return job;
    }

    public int ProcessId => _process.Id;

    /// <summary>
    /// The workers' lines (torchrun prefixes their stderr with <c>[defaultN]:</c>) and torchrun's own error lines
    /// (<c>ERROR:... failed (exitcode: -9) local_rank: 1</c>), not its Python traceback; all lines when there are none.
    /// </summary>
    public IReadOnlyList<string> FailureLines(int count)
    {
        var lines = _tail.Lines.Where(l => !l.StartsWith("# ", StringComparison.Ordinal)).ToList();
        var telling = lines.Where(l => l.StartsWith("[default", StringComparison.Ordinal) || l.StartsWith("ERROR:", StringComparison.Ordinal)).ToList();
        return (telling.Count > 0 ? telling : lines).TakeLast(count).ToList();
    }

    public void RequestStop()
    {
        if (!_exited.Task.IsCompleted) ProcessSignals.Terminate(_process.Id);
    }

    public void ForceStop()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // gone already
        }
    }

    public void Dispose()
    {
        ForceStop();
        _process.Dispose();
        lock (_logGate) _log?.Dispose();
    }

    private async Task WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false); // also waits for the end of both output streams
        var code = _process.ExitCode;
        // .NET reports a process ended by a signal as 128 + the signal's number.
        var description = code > 128 && code < 160
            ? string.Create(CultureInfo.InvariantCulture, $"torchrun was ended by signal {code - 128}")
            : string.Create(CultureInfo.InvariantCulture, $"torchrun exited with code {code}");
        OnLine($"# {description}");
        _exited.TrySetResult(new JobExit(code, description));
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        _tail.Add(line);
        lock (_logGate)
        {
            try
            {
                _log?.WriteLine(line);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The log is a convenience; the run folder's own files are the record.
            }
        }
        _onLine?.Invoke(line);
    }
}
