using System.Diagnostics;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training.External;

namespace NanoVlm.Engine.Tests.Training.External;

/// <summary>
/// The sbatch script, run by bash with stand-ins for Slurm's own commands (scontrol names the nodes, srun prints what it
/// would start): the command every node's task runs is checked word for word, as the shell builds it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmScriptTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly SlurmSettings TwoNodes = new()
    {
        Nodes = 2, ProcessesPerNode = 4, GpusPerNode = 4, CpusPerTask = 32, Partition = "gpu", Account = "vision", TimeLimit = "1-04:00:00",
        RendezvousPort = 29555, JobName = "nanovlm-run7",
    };

    private static PythonTrainerArguments Trainer(string runFolder) => new()
    {
        RunFolder = runFolder, Shards = "/shared/shards", Config = "/shared/runs/run7/engine-config.json", Init = "/shared/models/it's here", Device = "cuda",
    };

    [Fact]
    public void The_directives_ask_for_the_nodes_gpus_partition_and_time()
    {
        var script = SlurmScript.Write(TwoNodes, "/opt/conda/bin/python", "/shared/NanoVlm/python", Trainer("/shared/runs/run7"));
        var directives = script.Split('\n').Where(l => l.StartsWith("#SBATCH", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "#SBATCH --job-name=nanovlm-run7", "#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=1", "#SBATCH --cpus-per-task=32",
            "#SBATCH --gpus-per-node=4", "#SBATCH --partition=gpu", "#SBATCH --account=vision", "#SBATCH --time=1-04:00:00",
            "#SBATCH --output=/shared/runs/run7/slurm-%j.out", "#SBATCH --signal=TERM@300",
        ], directives);
        Assert.StartsWith("#!/bin/bash\n", script, StringComparison.Ordinal);

        var cpuOnly = SlurmScript.Write(new SlurmSettings(), "python3", "/p", Trainer("/r"));
        Assert.DoesNotContain("--gpus-per-node", cpuOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("--partition", cpuOnly, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_nodes_task_starts_torchrun_meeting_on_the_first_node()
    {
        var script = SlurmScript.Write(TwoNodes, "/opt/conda/bin/python", "/shared/NanoVlm/python", Trainer("/shared/runs/run7"));
        var bin = Directory.CreateDirectory(_temp.File("bin")).FullName;
        WriteExecutable(Path.Combine(bin, "scontrol"), "#!/bin/sh\nprintf 'gpu-node-17\\ngpu-node-18\\n'\n");
        WriteExecutable(Path.Combine(bin, "srun"), "#!/bin/sh\necho \"PYTHONPATH=$PYTHONPATH\"\nfor word in \"$@\"; do printf '%s\\n' \"$word\"; done\n");
        var path = _temp.File("job.sbatch");
        File.WriteAllText(path, script);

        var start = new ProcessStartInfo("/bin/bash", [path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = bin + ":/usr/bin:/bin";
        start.Environment["SLURM_JOB_NODELIST"] = "gpu-node-[17-18]";
        start.Environment["SLURM_JOB_ID"] = "4242";
        start.Environment["SLURM_NNODES"] = "2";
        start.Environment.Remove("PYTHONPATH");
        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEnd();
        var error = bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        Assert.True(bash.ExitCode == 0, error);

        string[] expected =
        [
            "PYTHONPATH=/shared/NanoVlm/python",
            "--kill-on-bad-exit=1", "/opt/conda/bin/python",
            "-m", "torch.distributed.run", "--nproc_per_node", "4", "--nnodes", "2", "--monitor_interval", "1", "--redirects", "1", "--tee", "2",
            "--rdzv_backend", "c10d", "--rdzv_endpoint", "gpu-node-17:29555", "--rdzv_id", "4242",
            "-m", "nanovlm_distributed.train", "--run-dir", "/shared/runs/run7", "--shards", "/shared/shards",
            "--config", "/shared/runs/run7/engine-config.json", "--init", "/shared/models/it's here", "--device", "cuda",
        ];
        Assert.Equal(expected, output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Settings_slurm_would_refuse_are_refused_first_and_a_run_folder_with_a_space_too()
    {
        var problems = new SlurmSettings { Nodes = 0, TimeLimit = "four hours", Partition = "gpu; rm -rf /", RendezvousPort = 80 }.Validate();
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("time limit 'four hours'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("partition 'gpu; rm -rf /'", StringComparison.Ordinal));
        Assert.Empty(TwoNodes.Validate());
        string[] slurmTimes = ["30", "04:00:00", "2-00", "1-04:00", "UNLIMITED"];
        Assert.All(slurmTimes, t => Assert.Empty((TwoNodes with { TimeLimit = t }).Validate()));

        var spaced = Assert.Throws<ArgumentException>(() => SlurmScript.Write(TwoNodes, "python3", "/p", Trainer("/shared/my runs/run7")));
        Assert.Contains("space", spaced.Message, StringComparison.Ordinal);
    }

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
