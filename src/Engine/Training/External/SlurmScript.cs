using System.Globalization;
using System.Text;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// The sbatch script of a PyTorch-engine run: one task per node, each starting torchrun with the node's worker
/// processes, every node meeting at a c10d rendezvous on the job's first node, the run folder written by rank 0 (on a
/// filesystem every node and the dashboard share). What <c>train --engine slurm --dry-run</c> prints.
/// </summary>
public static class SlurmScript
{
    /// <summary>The job's console: <c>slurm-JOBID.out</c> in the run folder.</summary>
    public const string OutputPattern = "slurm-%j.out";

    /// <param name="python">the interpreter on the nodes (the same path on each)</param>
    /// <param name="packageRoot">the folder holding <c>nanovlm_distributed/</c>, on a shared filesystem</param>
    public static string Write(SlurmSettings settings, string python, string packageRoot, PythonTrainerArguments trainer)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(trainer);
        if (trainer.RunFolder.Any(char.IsWhiteSpace))
            throw new ArgumentException($"The run folder '{trainer.RunFolder}' has a space in its path, which an #SBATCH --output line cannot carry; choose a folder without spaces.");
        var script = new StringBuilder();
        void Line(string text) => script.Append(text).Append('\n');
        string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        Line("#!/bin/bash");
        Line(Invariant($"#SBATCH --job-name={settings.JobName}"));
        Line(Invariant($"#SBATCH --nodes={settings.Nodes}"));
        Line("#SBATCH --ntasks-per-node=1");
        if (settings.CpusPerTask > 0) Line(Invariant($"#SBATCH --cpus-per-task={settings.CpusPerTask}"));
        if (settings.GpusPerNode > 0) Line(Invariant($"#SBATCH --gpus-per-node={settings.GpusPerNode}"));
        if (settings.Partition.Length > 0) Line($"#SBATCH --partition={settings.Partition}");
        if (settings.Account.Length > 0) Line($"#SBATCH --account={settings.Account}");
        Line($"#SBATCH --time={settings.TimeLimit}");
        // Directives are not shell words: a path with a space cannot be quoted there (refused above).
        Line($"#SBATCH --output={Path.Combine(trainer.RunFolder, OutputPattern)}");
        // SIGTERM to the job's steps before the time limit: the workers stop after their step with a checkpoint.
        if (settings.StopSignalSeconds > 0) Line(Invariant($"#SBATCH --signal=TERM@{settings.StopSignalSeconds}"));
        Line("");
        Line("# Written by NanoVlm.Web (train --engine slurm); the run folder is followed by the dashboard.");
        Line("set -euo pipefail");
        Line($"export PYTHONPATH={ShellQuoting.Quote(packageRoot)}${{PYTHONPATH:+:$PYTHONPATH}}");
        Line("export PYTHONUNBUFFERED=1");
        Line("head_node=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)");
        Line("");

        var torchrun = new TorchrunSettings
        {
            ProcessesPerNode = settings.ProcessesPerNode,
            Nodes = settings.Nodes,
            RendezvousEndpoint = "HEAD:" + settings.RendezvousPort.ToString(CultureInfo.InvariantCulture),
            RendezvousId = "JOB",
        };
        // Every node's torchrun meets the others on the first node; the job id keeps two jobs' rendezvous apart.
        var words = torchrun.Arguments(trainer).Select(ShellQuoting.Quote).Select(word => word switch
        {
            _ when word == "HEAD:" + settings.RendezvousPort.ToString(CultureInfo.InvariantCulture) => "\"$head_node:" + settings.RendezvousPort.ToString(CultureInfo.InvariantCulture) + "\"",
            "JOB" => "\"$SLURM_JOB_ID\"",
            _ => word,
        });
        // One task per node; a node whose torchrun fails ends the others (--kill-on-bad-exit).
        Line($"srun --kill-on-bad-exit=1 {ShellQuoting.Quote(python)} {string.Join(" \\\n    ", Group(words))}");
        return script.ToString();
    }

    /// <summary>The words grouped as options with their values, for a readable continued line.</summary>
    private static IEnumerable<string> Group(IEnumerable<string> words)
    {
        var current = new List<string>();
        foreach (var word in words)
        {
            if (word.StartsWith("--", StringComparison.Ordinal) || word == "-m")
            {
                if (current.Count > 0) yield return string.Join(' ', current);
                current.Clear();
            }
            current.Add(word);
        }
        if (current.Count > 0) yield return string.Join(' ', current);
    }
}
