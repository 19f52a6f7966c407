namespace NanoVlm.Engine.Training.External;

/// <summary>Slurm's client commands and how this machine reaches the cluster.</summary>
public sealed record SlurmCommands
{
    public string Sbatch { get; init; } = "sbatch";
    public string Squeue { get; init; } = "squeue";
    public string Scontrol { get; init; } = "scontrol";
    public string Scancel { get; init; } = "scancel";
    public string Sacct { get; init; } = "sacct";

    /// <summary>A slurm.conf other than the system's (SLURM_CONF); null uses the system's.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>How often the job's state is asked for.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>What installs the client commands, for the message when they are missing.</summary>
    public const string InstallAdvice =
        "install Slurm's client commands and the cluster's configuration (Debian or Ubuntu: sudo apt-get install slurm-client, then the " +
        "cluster's slurm.conf and munge key), or set Engines:Slurm:Sbatch to the command's path; or train with --engine torchrun on this machine";

    internal CommandResult Run(string command, params string[] arguments) => Run(command, null, arguments);

    internal CommandResult Run(string command, string? workingDirectory, params string[] arguments)
    {
        var environment = ConfigFile is null ? null : new Dictionary<string, string> { ["SLURM_CONF"] = ConfigFile };
        return CommandRunner.Run(command, arguments, environment, workingDirectory);
    }
}
