using Microsoft.Extensions.Options;
using NanoVlm.Engine.Training.External;

namespace NanoVlm.Server.Hosting;

/// <summary>
/// The "Engines" configuration section: the PyTorch engine that runs under torchrun on this machine or as a Slurm job
/// (docs/distributed.md). The in-process engine's settings are the "Engine" section.
/// </summary>
public sealed class ExternalEnginesOptions
{
    public const string Section = "Engines";

    /// <summary>The Python interpreter with PyTorch; empty: python3 on PATH if it has PyTorch, else /usr/bin/python3.</summary>
    public string Python { get; set; } = "";

    /// <summary>Other interpreters a run may name (the form's Python field, the API's <c>python</c>); the server runs them, so only these.</summary>
    public string[] AllowedPythons { get; set; } = [];

    /// <summary>The folder holding nanovlm_distributed/; empty: the copy the build puts beside the executable (python/).</summary>
    public string PythonPackage { get; set; } = "";

    /// <summary>Seconds a cancelled run may take to finish its step and write its checkpoint before it is ended.</summary>
    public int StopGraceSeconds { get; set; } = 120;

    public SlurmOptions Slurm { get; set; } = new();

    /// <summary>A plan's Slurm settings: these defaults under what the run asked for.</summary>
    public SlurmSettings SlurmSettings(int nodes, int processesPerNode) => new()
    {
        Nodes = nodes,
        ProcessesPerNode = processesPerNode,
        GpusPerNode = Slurm.GpusPerNode,
        CpusPerTask = Slurm.CpusPerTask,
        Partition = Slurm.Partition,
        Account = Slurm.Account,
        TimeLimit = Slurm.TimeLimit,
        RendezvousPort = Slurm.RendezvousPort,
        StopSignalSeconds = Slurm.StopSignalSeconds,
    };

    public SlurmCommands SlurmCommands() => new()
    {
        Sbatch = Slurm.Sbatch,
        Squeue = Slurm.Squeue,
        Scontrol = Slurm.Scontrol,
        Scancel = Slurm.Scancel,
        Sacct = Slurm.Sacct,
        ConfigFile = string.IsNullOrWhiteSpace(Slurm.ConfigFile) ? null : Slurm.ConfigFile,
        PollInterval = TimeSpan.FromSeconds(Slurm.PollSeconds),
    };
}

/// <summary>"Engines:Slurm": the defaults of a Slurm run (a run may ask for other values) and the cluster's commands.</summary>
public sealed class SlurmOptions
{
    public string Partition { get; set; } = "";
    public string Account { get; set; } = "";
    public string TimeLimit { get; set; } = "01:00:00";
    public int GpusPerNode { get; set; }
    public int CpusPerTask { get; set; }
    public int RendezvousPort { get; set; } = 29500;
    public int StopSignalSeconds { get; set; } = 300;
    public string Sbatch { get; set; } = "sbatch";
    public string Squeue { get; set; } = "squeue";
    public string Scontrol { get; set; } = "scontrol";
    public string Scancel { get; set; } = "scancel";
    public string Sacct { get; set; } = "sacct";

    /// <summary>A slurm.conf other than the system's (SLURM_CONF); empty: the system's.</summary>
    public string ConfigFile { get; set; } = "";

    public int PollSeconds { get; set; } = 5;
}

/// <summary>Reports every problem of the Engines section at once.</summary>
public sealed class ExternalEnginesOptionsValidator : IValidateOptions<ExternalEnginesOptions>
{
    public ValidateOptionsResult Validate(string? name, ExternalEnginesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.StopGraceSeconds is < 5 or > 3600)
            errors.Add($"Engines:StopGraceSeconds is {options.StopGraceSeconds}; use 5 to 3600 (the time a cancelled run has to write its checkpoint).");
        if (options.PythonPackage.Length > 0 && !Directory.Exists(Path.Combine(options.PythonPackage, DistributedPackage.ModuleName)))
            errors.Add($"Engines:PythonPackage is '{options.PythonPackage}', which holds no {DistributedPackage.ModuleName} folder; point it at src/Distributed of a clone, or leave it empty.");
        // The job settings a run may override are checked as a run would be (one node, one process).
        errors.AddRange(options.SlurmSettings(1, 1).Validate().Select(p => $"Engines:Slurm: {p}"));
        foreach (var (key, command) in new[] { ("Sbatch", options.Slurm.Sbatch), ("Squeue", options.Slurm.Squeue), ("Scontrol", options.Slurm.Scontrol), ("Scancel", options.Slurm.Scancel), ("Sacct", options.Slurm.Sacct) })
        {
            if (string.IsNullOrWhiteSpace(command)) errors.Add($"Engines:Slurm:{key} is empty; give the command's name or path (e.g. \"{key.ToLowerInvariant()}\").");
        }
        if (options.Slurm.PollSeconds is < 1 or > 600) errors.Add($"Engines:Slurm:PollSeconds is {options.Slurm.PollSeconds}; use 1 to 600.");
        if (options.Slurm.ConfigFile.Length > 0 && !File.Exists(options.Slurm.ConfigFile))
            errors.Add($"Engines:Slurm:ConfigFile '{options.Slurm.ConfigFile}' does not exist; give the cluster's slurm.conf, or leave it empty for the system's.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
