using System.Globalization;
using System.Text;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// A Slurm job of the PyTorch engine: submitted with <c>sbatch</c>, followed with <c>squeue</c> (and, once it has left
/// the queue, <c>scontrol show job</c>, then <c>sacct</c>, for how it ended), stopped with <c>scancel --signal=TERM</c>
/// (its steps' torchrun passes SIGTERM on to the workers, which stop after their step with a checkpoint) and ended with
/// <c>scancel</c>. Its console is the run folder's <c>slurm-JOBID.out</c>.
/// </summary>
public sealed class SlurmJob : IExternalJob
{
    public const string ScriptFileName = "job.sbatch";

    private readonly SlurmCommands _commands;
    private readonly string _outputFile;
    private readonly TaskCompletionSource<JobExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposed = new();

    private SlurmJob(SlurmCommands commands, string jobId, string runFolder)
    {
        _commands = commands;
        JobId = jobId;
        _outputFile = Path.Combine(runFolder, SlurmScript.OutputPattern.Replace("%j", jobId, StringComparison.Ordinal));
    }

    public string JobId { get; }

    public string Name => $"Slurm job {JobId}";

    /// <summary>The job's latest state as squeue reports it (PENDING, RUNNING, COMPLETING, ...).</summary>
    public string State { get; private set; } = "SUBMITTED";

    public Task<JobExit> Exited => _exited.Task;

    /// <summary>Writes the script into the run folder as <see cref="ScriptFileName"/> and submits it.</summary>
    /// <exception cref="ExternalEngineUnavailableException">sbatch is not installed here</exception>
    /// <exception cref="InvalidOperationException">Slurm refused the job (sbatch's message)</exception>
    public static SlurmJob Submit(SlurmCommands commands, string script, string runFolder)
    {
        ArgumentNullException.ThrowIfNull(commands);
        Directory.CreateDirectory(runFolder);
        var scriptPath = Path.Combine(runFolder, ScriptFileName);
        File.WriteAllText(scriptPath, script, new UTF8Encoding(false));
        CommandResult result;
        try
        {
            result = commands.Run(commands.Sbatch, runFolder, "--parsable", scriptPath);
        }
        catch (FileNotFoundException e)
        {
            throw new ExternalEngineUnavailableException($"Slurm's sbatch cannot be run here: {e.Message} To submit to a cluster, {SlurmCommands.InstallAdvice}.", e);
        }
        if (!result.Succeeded) throw new InvalidOperationException($"sbatch refused the job (exit code {result.ExitCode}): {result.Message}");
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        var jobId = result.Output.Trim().Split(';')[0];
        if (jobId.Length == 0 || !jobId.All(char.IsAsciiDigit)) throw new InvalidOperationException($"sbatch answered '{result.Output.Trim()}', not a job id.");
        var job = new SlurmJob(commands, jobId, runFolder);
        _ = job.WatchAsync();
        return job;
    }

    public IReadOnlyList<string> LastLines => ReadOutputTail(60);

    /// <summary>The workers' and torchrun's error lines of the job's console (see <see cref="TorchrunJob.FailureLines"/>).</summary>
    public IReadOnlyList<string> FailureLines(int count)
    {
        var lines = ReadOutputTail(400);
        var telling = lines.Where(l => l.StartsWith("[default", StringComparison.Ordinal) || l.StartsWith("ERROR:", StringComparison.Ordinal)
                                       || l.StartsWith("srun:", StringComparison.Ordinal) || l.StartsWith("slurmstepd:", StringComparison.Ordinal)).ToList();
        return (telling.Count > 0 ? telling : lines).TakeLast(count).ToList();
    }

    /// <summary>SIGTERM to the job's steps (a job still waiting in the queue is simply cancelled).</summary>
    public void RequestStop()
    {
        if (_exited.Task.IsCompleted) return;
        TryRun(_commands.Scancel, State == "PENDING" ? [JobId] : ["--signal=TERM", JobId]);
    }

    public void ForceStop()
    {
        if (!_exited.Task.IsCompleted) TryRun(_commands.Scancel, JobId);
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private async Task WatchAsync()
    {
        var missedPolls = 0;
        try
        {
            while (true)
            {
                await Task.Delay(_commands.PollInterval, _disposed.Token).ConfigureAwait(false);
                var queue = TryRun(_commands.Squeue, "-h", "-j", JobId, "-o", "%T");
                var state = queue is { Succeeded: true } ? queue.Output.Trim() : "";
                if (state.Length > 0)
                {
                    State = state;
                    missedPolls = 0;
                    continue;
                }
                // Not in the queue (or squeue failed once: the controller may be busy): ask how it ended.
                if (Ended() is { } exit)
                {
                    _exited.TrySetResult(exit);
                    return;
                }
                if (++missedPolls >= 3)
                {
                    _exited.TrySetResult(new JobExit(null, $"{Name} has left the queue (its end is not known: neither scontrol nor sacct knows the job)"));
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            _exited.TrySetResult(new JobExit(null, $"{Name} is no longer followed"));
        }
    }

    /// <summary>How the job ended, from scontrol (recent jobs) or sacct (accounting); null when neither knows yet.</summary>
    private JobExit? Ended()
    {
        var control = TryRun(_commands.Scontrol, "show", "job", JobId, "-o");
        if (control is { Succeeded: true } && Field(control.Output, "JobState") is { } state)
        {
            State = state;
            if (state is "PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "REQUEUED" or "RESIZING") return null;
            return Exit(state, Field(control.Output, "ExitCode"));
        }
        var accounting = TryRun(_commands.Sacct, "-n", "-X", "-P", "-j", JobId, "-o", "State,ExitCode");
        if (accounting is { Succeeded: true } && accounting.Output.Trim().Split('\n')[0].Split('|') is [var sacctState, var code] && sacctState.Length > 0)
        {
            State = sacctState.Split(' ')[0];
            return State is "PENDING" or "RUNNING" or "COMPLETING" ? null : Exit(State, code);
        }
        return null;
    }

    /// <summary>Slurm's ExitCode is "CODE:SIGNAL".</summary>
    private JobExit Exit(string state, string? exitCode)
    {
        int? code = null;
        if (exitCode?.Split(':') is [var number, var signal]
            && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            && int.TryParse(signal, NumberStyles.None, CultureInfo.InvariantCulture, out var bySignal))
        {
            code = bySignal > 0 ? 128 + bySignal : parsed;
        }
        return new JobExit(code, $"{Name} ended {state}" + (exitCode is null ? "" : $" (exit code {exitCode})"));
    }

    private static string? Field(string line, string name)
    {
        foreach (var word in line.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith(name + "=", StringComparison.Ordinal)) return word[(name.Length + 1)..];
        }
        return null;
    }

    private CommandResult? TryRun(string command, params string[] arguments)
    {
        try
        {
            return _commands.Run(command, arguments);
        }
        catch (Exception e) when (e is FileNotFoundException or TimeoutException)
        {
            return null;
        }
    }

    private List<string> ReadOutputTail(int count)
    {
        try
        {
            using var stream = new FileStream(_outputFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Position = Math.Max(0, stream.Length - 256 * 1024);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).TakeLast(count).ToList();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return [];
        }
    }
}
