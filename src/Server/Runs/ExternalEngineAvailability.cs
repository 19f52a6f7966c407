using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training.External;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Runs;

/// <summary>
/// Whether the PyTorch engine can run from this server: a Python with PyTorch (torchrun) and Slurm's sbatch (Slurm),
/// each with the message that says what to install when it is missing. Probing a Python imports torch (seconds), so
/// answers are kept for a short while: the form asks on every change.
/// </summary>
public sealed class ExternalEngineAvailability(IOptions<ExternalEnginesOptions> options)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, (DateTime At, PythonRuntime? Runtime, string? Problem)> _pythons = new(StringComparer.Ordinal);

    public ExternalEnginesOptions Settings => options.Value;

    /// <summary>The engines for the form's Where selector, each available or not with the reason.</summary>
    public IReadOnlyList<EngineOption> Options()
    {
        var (python, pythonProblem) = Python("");
        var sbatchProblem = SbatchProblem();
        var torchrunNote = python is null ? pythonProblem : $"PyTorch {python.TorchVersion} ({python.Executable}, {(python.CudaAvailable ? $"{python.CudaDevices} GPU(s)" : "CPU only, gloo")})";
        return
        [
            new(ExternalEngineNames.InProcess, "In this server (TorchSharp)", true, null),
            new(ExternalEngineNames.Torchrun, "torchrun on this machine (PyTorch DDP)", python is not null, torchrunNote),
            new(ExternalEngineNames.Slurm, "Slurm cluster (sbatch)", sbatchProblem is null, sbatchProblem),
        ];
    }

    /// <summary>
    /// The interpreter a run asked for (empty: Engines:Python, else python3 with PyTorch), or why it cannot be used.
    /// Only the configured interpreter and those in Engines:AllowedPythons may be named: the server runs it.
    /// </summary>
    public (PythonRuntime? Runtime, string? Problem) Python(string asked)
    {
        var executable = string.IsNullOrWhiteSpace(asked) ? Settings.Python : asked.Trim();
        if (executable.Length > 0 && executable != Settings.Python && !Settings.AllowedPythons.Contains(executable, StringComparer.Ordinal))
        {
            return (null, $"The server runs only the Python named in Engines:Python or listed in Engines:AllowedPythons; '{executable}' is neither. " +
                          "Leave the field empty for the configured one, or add it to Engines:AllowedPythons in appsettings.json.");
        }
        var now = DateTime.UtcNow;
        if (_pythons.TryGetValue(executable, out var known) && now - known.At < KeepFor) return (known.Runtime, known.Problem);
        (PythonRuntime? Runtime, string? Problem) found;
        try
        {
            found = (PythonRuntimes.Find(executable, TimeSpan.FromSeconds(30)), null);
        }
        catch (ExternalEngineUnavailableException e)
        {
            found = (null, e.Message);
        }
        _pythons[executable] = (now, found.Runtime, found.Problem);
        return found;
    }

    /// <summary>Why Slurm jobs cannot be submitted from here (no sbatch), or null.</summary>
    public string? SbatchProblem()
    {
        var sbatch = Settings.Slurm.Sbatch;
        return IsRunnable(sbatch) ? null : $"'{sbatch}' is not installed here: {SlurmCommands.InstallAdvice}.";
    }

    /// <summary>A path that exists, or a name found on PATH.</summary>
    private static bool IsRunnable(string command)
    {
        if (command.Contains('/', StringComparison.Ordinal)) return File.Exists(command);
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(folder => File.Exists(Path.Combine(folder, command)));
    }
}
