using System.Globalization;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.External;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Runs;

/// <summary>
/// Where a dashboard run trains, as the run settings say it (<c>engine</c>, <c>nproc_per_node</c>, <c>nnodes</c>,
/// <c>partition</c>, <c>time_limit</c>, <c>python</c>): checked, stored with the run (its resume needs it) and turned into
/// the PyTorch engine's <see cref="ExternalRunPlan"/>.
/// </summary>
public sealed record ExternalEngineChoice
{
    public string Engine { get; init; } = ExternalEngineNames.InProcess;
    public int ProcessesPerNode { get; init; } = 1;
    public int Nodes { get; init; } = 1;
    public string Partition { get; init; } = "";
    public string TimeLimit { get; init; } = "";
    public string Python { get; init; } = "";

    public static ExternalEngineChoice Of(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ExternalEngineChoice
        {
            Engine = request.Engine.Trim().ToLowerInvariant(),
            ProcessesPerNode = request.ProcessesPerNode,
            Nodes = request.Nodes,
            Partition = request.Partition.Trim(),
            TimeLimit = request.TimeLimit.Trim(),
            Python = request.Python.Trim(),
        };
    }

    /// <summary>The engine, or in-process for a name that does not parse (<see cref="Check"/> reports it).</summary>
    public ExternalEngine Kind => ExternalEngineNames.All.Contains(Engine) ? ExternalEngineNames.Parse(Engine) : ExternalEngine.InProcess;

    public bool IsExternal => Kind != ExternalEngine.InProcess;

    /// <summary>How the dashboard names the engine of a run ("torchrun × 2", "Slurm 2 × 4").</summary>
    public string Label => Kind switch
    {
        ExternalEngine.Torchrun => string.Create(CultureInfo.InvariantCulture, $"torchrun × {ProcessesPerNode}"),
        ExternalEngine.Slurm => string.Create(CultureInfo.InvariantCulture, $"Slurm {Nodes} × {ProcessesPerNode}"),
        _ => "in-process",
    };

    /// <summary>Every problem with the engine fields, keyed by the request's field; the interpreter and sbatch are checked here.</summary>
    public void Check(ExternalEngineAvailability availability, Action<string, string> add)
    {
        ArgumentNullException.ThrowIfNull(availability);
        ArgumentNullException.ThrowIfNull(add);
        if (!ExternalEngineNames.All.Contains(Engine))
        {
            add(nameof(RunRequest.Engine), $"Choose {string.Join(", ", ExternalEngineNames.All)}; got '{Engine}'.");
            return;
        }
        if (ProcessesPerNode is < 1 or > 1024) add(nameof(RunRequest.ProcessesPerNode), $"Processes per node must be between 1 and 1024 (got {ProcessesPerNode}).");
        if (Nodes is < 1 or > 4096) add(nameof(RunRequest.Nodes), $"Nodes must be between 1 and 4096 (got {Nodes}).");
        switch (Kind)
        {
            case ExternalEngine.InProcess:
                // Export JSON writes every field, so only values other than the defaults are refused.
                if (ProcessesPerNode != 1) add(nameof(RunRequest.ProcessesPerNode), "Processes per node are for the torchrun or slurm engine; the in-process engine trains in one process (set engine, or leave 1).");
                if (Nodes != 1) add(nameof(RunRequest.Nodes), "Nodes are for the slurm engine; the in-process engine trains on this machine (set engine to slurm, or leave 1).");
                if (Python.Length > 0) add(nameof(RunRequest.Python), "The Python executable is for the torchrun or slurm engine; leave it empty for in-process.");
                break;
            case ExternalEngine.Torchrun:
                if (Nodes != 1)
                    add(nameof(RunRequest.Nodes), "torchrun from the dashboard runs on this machine: use 1 node, the slurm engine for several, or `train --engine torchrun --nnodes M --rdzv-endpoint HOST:PORT` started on each node.");
                if (availability.Python(Python) is { Runtime: null, Problem: { } problem })
                    add(Python.Length > 0 ? nameof(RunRequest.Python) : nameof(RunRequest.Engine), problem);
                break;
            case ExternalEngine.Slurm:
                if (availability.SbatchProblem() is { } sbatch) add(nameof(RunRequest.Engine), sbatch);
                if (Python.Length > 0 && Python != availability.Settings.Python && !availability.Settings.AllowedPythons.Contains(Python, StringComparer.Ordinal))
                    add(nameof(RunRequest.Python), $"The server names only the Python in Engines:Python or listed in Engines:AllowedPythons; '{Python}' is neither. Leave it empty, or add it to Engines:AllowedPythons.");
                foreach (var slurmProblem in SlurmSettings(availability.Settings, "nanovlm").Validate())
                    add(slurmProblem.Contains("time limit", StringComparison.Ordinal) ? nameof(RunRequest.TimeLimit)
                        : slurmProblem.Contains("partition", StringComparison.Ordinal) ? nameof(RunRequest.Partition) : "", slurmProblem);
                break;
        }
    }

    /// <summary>
    /// The PyTorch engine's plan for a run of <paramref name="config"/> (its init already applied) in <paramref name="runFolder"/>;
    /// with <paramref name="resumeCheckpoint"/>, the continuation of that run from it.
    /// </summary>
    /// <param name="tokenizerPath">the init's tokenizer.json, when it brings one (the data is packed with it)</param>
    public ExternalRunPlan Plan(TrainingConfig config, string runFolder, ExternalEnginesOptions settings, ImagePathCheck? imageCheck,
        string? tokenizerPath = null, string? resumeCheckpoint = null, string? resumePrecision = null, bool halveMicroBatch = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(settings);
        var name = Path.GetFileName(runFolder);
        return new ExternalRunPlan
        {
            Engine = Kind,
            Config = config,
            RunFolder = runFolder,
            Torchrun = new TorchrunSettings { ProcessesPerNode = ProcessesPerNode, Nodes = 1, RendezvousId = name },
            Slurm = SlurmSettings(settings, "nanovlm-" + name),
            SlurmCommands = settings.SlurmCommands(),
            Python = Python.Length > 0 ? Python : settings.Python,
            PackageRoot = settings.PythonPackage.Length > 0 ? settings.PythonPackage : null,
            Init = config.Init,
            TokenizerPath = tokenizerPath,
            ImageCheck = imageCheck,
            ResumeCheckpoint = resumeCheckpoint,
            ResumePrecision = resumePrecision,
            HalveMicroBatch = halveMicroBatch,
        };
    }

    private SlurmSettings SlurmSettings(ExternalEnginesOptions settings, string jobName) => settings.SlurmSettings(Nodes, ProcessesPerNode) with
    {
        Partition = Partition.Length > 0 ? Partition : settings.Slurm.Partition,
        TimeLimit = TimeLimit.Length > 0 ? TimeLimit : settings.Slurm.TimeLimit,
        JobName = jobName,
    };
}
