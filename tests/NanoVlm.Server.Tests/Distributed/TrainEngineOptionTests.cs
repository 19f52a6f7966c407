using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Tests.Distributed;

/// <summary>
/// <c>train --engine torchrun|slurm</c> as a user types it: the dry runs print what would run and write nothing;
/// options and files meant for another engine are refused saying what to add. (Real runs: EngineEquivalenceTests.)
/// </summary>
public sealed class TrainEngineOptionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nanovlm-train-engine-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Slurm_dry_run_prints_the_sbatch_script_for_the_nodes_processes_partition_and_time_asked_and_submits_nothing()
    {
        var folder = Path.Combine(_folder, "run");
        var (code, output, error) = await Run("train", "--preset", "tiny", "--engine", "slurm", "--nnodes", "2", "--nproc-per-node", "4",
            "--gpus-per-node", "4", "--partition", "gpu", "--time", "04:00:00", "--batch-size", "2", "--out", folder, "--dry-run");

        Assert.True(code == 0, error);
        Assert.StartsWith("#!/bin/bash", output, StringComparison.Ordinal);
        foreach (var line in new[] { "#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=1", "#SBATCH --gpus-per-node=4", "#SBATCH --partition=gpu", "#SBATCH --time=04:00:00" })
            Assert.Contains(line + "\n", output, StringComparison.Ordinal);
        Assert.Contains("srun --kill-on-bad-exit=1", output, StringComparison.Ordinal);
        Assert.Contains("--nproc_per_node 4", output, StringComparison.Ordinal);
        Assert.Contains("--rdzv_endpoint \"$head_node:29500\"", output, StringComparison.Ordinal);
        Assert.Contains("-m nanovlm_distributed.train", output, StringComparison.Ordinal);
        Assert.Contains($"--run-dir {folder}", output, StringComparison.Ordinal);
        Assert.Contains("nothing was written or started", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder), "a dry run wrote the run folder");
    }

    [Fact]
    public async Task Torchrun_dry_run_prints_the_command_of_this_machine()
    {
        var (code, output, error) = await Run("train", "--preset", "tiny", "--engine", "torchrun", "--nproc-per-node", "2", "--out", Path.Combine(_folder, "run"), "--dry-run");

        Assert.True(code == 0, error);
        Assert.Contains("-m torch.distributed.run --nproc_per_node 2 --nnodes 1", output, StringComparison.Ordinal);
        // Its own rendezvous on a free loopback port (torch 1.13's --standalone puts every run on 29400).
        Assert.Matches(@"--rdzv_backend c10d --rdzv_endpoint 127\.0\.0\.1:\d+ --rdzv_id run", output);
        Assert.DoesNotContain("--standalone", output, StringComparison.Ordinal);
        Assert.Contains("PYTHONPATH=", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--nproc-per-node", "2", "for --engine torchrun or slurm only")]
    [InlineData("--partition", "gpu", "for --engine torchrun or slurm only")]
    public async Task Options_of_the_other_engines_without_engine_are_refused(string option, string value, string expected)
    {
        var (code, _, error) = await Run("train", "--preset", "tiny", option, value, "--out", Path.Combine(_folder, "run"));

        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_engine_is_refused_with_the_names()
    {
        var (code, _, error) = await Run("train", "--preset", "tiny", "--engine", "gpu", "--dry-run");

        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("in-process, torchrun, slurm", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_settings_that_name_another_engine_need_the_engine_option()
    {
        var settings = Path.Combine(_folder, "settings.json");
        await File.WriteAllTextAsync(settings, """{ "preset": "tiny", "engine": "torchrun", "nproc_per_node": 2 }""");

        var (code, _, error) = await Run("train", "--config", settings, "--out", Path.Combine(_folder, "run"));
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("add --engine torchrun --nproc-per-node 2", error, StringComparison.Ordinal);

        (code, _, error) = await Run("train", "--config", settings, "--engine", "torchrun", "--nproc-per-node", "2", "--out", Path.Combine(_folder, "run"), "--dry-run");
        Assert.True(code == 0, error);
    }

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
