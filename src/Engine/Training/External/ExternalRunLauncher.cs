using System.Text.Json;
using NanoVlm.Engine.Training.Sources;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// Starts a run on the PyTorch engine: checks the interpreter, packs the run's data into shards in the run folder (the
/// data order is then the shards', the same for every process count), writes the configuration the workers read, and
/// starts torchrun here or submits the Slurm job. What happens next is the <see cref="ExternalRunSupervisor"/>'s.
/// </summary>
public static class ExternalRunLauncher
{
    /// <summary>The sbatch script a plan submits (what <c>--dry-run</c> prints): nothing is written or checked on this machine.</summary>
    public static string SlurmScriptOf(ExternalRunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return SlurmScript.Write(plan.Slurm, string.IsNullOrEmpty(plan.Python) ? "python3" : plan.Python, PackageRootOf(plan), plan.TrainerArguments());
    }

    /// <summary>The torchrun command a plan runs on this machine (for the other nodes of a multi-node run, the same).</summary>
    public static IReadOnlyList<string> TorchrunArgumentsOf(ExternalRunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Torchrun.Arguments(plan.TrainerArguments());
    }

    /// <summary>Prepares the run folder and starts the job.</summary>
    /// <param name="onLine">torchrun's console lines (the CLI prints them)</param>
    /// <exception cref="ArgumentException">the plan is not usable (every problem listed)</exception>
    /// <exception cref="ExternalEngineUnavailableException">no Python with PyTorch, or no sbatch (says what to install)</exception>
    public static IExternalJob Start(ExternalRunPlan plan, Action<string>? onLine = null, IProgress<PackProgress>? packing = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var problems = plan.Validate();
        if (problems.Count > 0) throw new ArgumentException("The run cannot start:\n- " + string.Join("\n- ", problems), nameof(plan));
        var packageRoot = PackageRootOf(plan);
        // The interpreter is checked before anything is written (a Slurm job's runs on the nodes, checked there).
        var python = plan.Engine == ExternalEngine.Torchrun ? PythonRuntimes.Find(plan.Python) : null;

        Directory.CreateDirectory(plan.RunFolder);
        if (!plan.IsResume)
        {
            if (plan.Shards is null)
            {
                TrainingDataPacker.Pack(new PackRequest
                {
                    Config = plan.Config,
                    Folder = plan.ShardsPath,
                    TrainSamples = plan.SamplesToPack(),
                    TokenizerPath = plan.TokenizerPath,
                    ImageCheck = plan.ImageCheck,
                }, packing, cancellation);
            }
            File.WriteAllText(Path.Combine(plan.RunFolder, ExternalRunPlan.ConfigFileName),
                JsonSerializer.Serialize(plan.Config with { Model = plan.Config.ResolveModel() }, RunFiles.Json));
        }
        cancellation.ThrowIfCancellationRequested();
        return plan.Engine == ExternalEngine.Slurm
            ? SlurmJob.Submit(plan.SlurmCommands, SlurmScriptOf(plan), plan.RunFolder)
            : TorchrunJob.Start(python!, packageRoot, TorchrunArgumentsOf(plan), plan.RunFolder, onLine);
    }

    private static string PackageRootOf(ExternalRunPlan plan) => DistributedPackage.Resolve(plan.PackageRoot);
}
