using System.Diagnostics;

namespace NanoVlm.Engine.Training.External;

/// <summary>A short command's outcome.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>stderr, else stdout, trimmed: what to quote when it failed.</summary>
    public string Message => (Error.Trim().Length > 0 ? Error : Output).Trim();
}

/// <summary>Runs a short command (sbatch, squeue, scancel) and waits for it.</summary>
public static class CommandRunner
{
    /// <exception cref="FileNotFoundException">the command is not installed (not on PATH, or no such file)</exception>
    /// <exception cref="TimeoutException">it did not finish in time (it is killed)</exception>
    public static CommandResult Run(string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new FileNotFoundException($"'{command}' could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FileNotFoundException($"'{command}' is not installed or not on PATH ({e.Message}).", command, e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            var limit = timeout ?? TimeSpan.FromSeconds(60);
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"'{command} {string.Join(' ', start.ArgumentList)}' did not finish within {limit.TotalSeconds:0} s.");
            }
            process.WaitForExit(); // the output streams end too
            return new CommandResult(process.ExitCode, output.Result, error.Result);
        }
    }
}
