using System.Globalization;
using System.Text.RegularExpressions;

namespace NanoVlm.Engine.Training.External;

/// <summary>What a Slurm job of the PyTorch engine asks for: nodes, processes (GPUs) per node, partition, time.</summary>
public sealed partial record SlurmSettings
{
    public int Nodes { get; init; } = 1;

    /// <summary>torchrun's worker processes on each node (one per GPU).</summary>
    public int ProcessesPerNode { get; init; } = 1;

    /// <summary>GPUs per node (<c>--gpus-per-node</c>); 0 asks for none (CPU nodes).</summary>
    public int GpusPerNode { get; init; }

    /// <summary>CPUs for the one task per node (<c>--cpus-per-task</c>); 0 leaves it to the cluster.</summary>
    public int CpusPerTask { get; init; }

    /// <summary>Empty: the cluster's default partition.</summary>
    public string Partition { get; init; } = "";

    public string Account { get; init; } = "";

    /// <summary>The job's time limit in Slurm's syntax (<c>MM</c>, <c>HH:MM:SS</c>, <c>D-HH:MM</c>, ...).</summary>
    public string TimeLimit { get; init; } = "01:00:00";

    /// <summary>The rendezvous port on the job's first node.</summary>
    public int RendezvousPort { get; init; } = 29500;

    /// <summary>Seconds before the time limit at which Slurm sends SIGTERM, so the run stops with a checkpoint.</summary>
    public int StopSignalSeconds { get; init; } = 300;

    public string JobName { get; init; } = "nanovlm";

    /// <summary>Every problem, each saying what to change.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Nodes is < 1 or > 4096) problems.Add($"Slurm nodes must be between 1 and 4096 (got {Nodes}).");
        if (ProcessesPerNode is < 1 or > 1024) problems.Add($"Processes per node must be between 1 and 1024 (got {ProcessesPerNode}).");
        if (GpusPerNode is < 0 or > 1024) problems.Add($"GPUs per node must be between 0 and 1024 (got {GpusPerNode}).");
        if (CpusPerTask is < 0 or > 4096) problems.Add($"CPUs per task must be 0 (the cluster's default) or up to 4096 (got {CpusPerTask}).");
        if (!TimeLimitSyntax().IsMatch(TimeLimit))
            problems.Add($"The Slurm time limit '{TimeLimit}' is not in Slurm's syntax: use MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (e.g. 04:00:00).");
        if (!SlurmWord().IsMatch(Partition)) problems.Add($"The partition '{Partition}' may hold only letters, digits, '-', '_', '.' and ',' (or be empty for the default).");
        if (!SlurmWord().IsMatch(Account)) problems.Add($"The account '{Account}' may hold only letters, digits, '-', '_', '.' and ',' (or be empty).");
        if (JobName.Length == 0 || !SlurmWord().IsMatch(JobName)) problems.Add($"The job name '{JobName}' may hold only letters, digits, '-', '_', '.' and ','.");
        if (RendezvousPort is < 1024 or > 65535) problems.Add($"The rendezvous port must be between 1024 and 65535 (got {RendezvousPort}).");
        if (StopSignalSeconds is < 0 or > 65535) problems.Add($"The stop signal must come 0 to 65535 seconds before the time limit (got {StopSignalSeconds}).");
        return problems;
    }

    internal string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Nodes} node(s) × {ProcessesPerNode} process(es){(GpusPerNode > 0 ? $", {GpusPerNode} GPU(s) per node" : "")}, time limit {TimeLimit}" +
        $"{(Partition.Length > 0 ? $", partition {Partition}" : "")}");

    [GeneratedRegex(@"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$")]
    private static partial Regex TimeLimitSyntax();

    [GeneratedRegex(@"^[A-Za-z0-9_.,\-]*$")]
    private static partial Regex SlurmWord();
}
