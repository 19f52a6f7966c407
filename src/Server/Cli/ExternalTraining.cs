using System.Globalization;
using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.External;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Cli;

/// <summary>
/// <c>train --engine torchrun|slurm</c>: the run on the PyTorch engine (docs/distributed.md). The run is described as
/// for the in-process engine (preset, --config, options, --init, --resume); the data is packed into shards in the run
/// folder, then torchrun starts here or the job is submitted to Slurm, and the run folder is followed to the end.
/// </summary>
public static class ExternalTraining
{
    /// <summary>The options <c>train</c> takes for the other engines.</summary>
    public static IReadOnlyList<VerbOption> Options { get; } =
    [
        new("engine", "ENGINE", $"{string.Join(", ", ExternalEngineNames.All)} (default {ExternalEngineNames.InProcess}); the others run the PyTorch engine (docs/distributed.md), --batch-size being per process"),
        new("nproc-per-node", "N", "torchrun/slurm: worker processes per node (one per GPU; default 1)"),
        new("nnodes", "M", "torchrun/slurm: nodes (default 1); torchrun on several nodes needs --rdzv-endpoint"),
        new("rdzv-endpoint", "HOST:PORT", "torchrun: where the nodes meet (on one of them); start the printed command on every other node"),
        new("partition", "P", "slurm: the partition (default Engines:Slurm:Partition)"),
        new("time", "T", "slurm: the time limit, e.g. 04:00:00 (default Engines:Slurm:TimeLimit)"),
        new("gpus-per-node", "G", "slurm: GPUs per node (default Engines:Slurm:GpusPerNode)"),
        new("account", "A", "slurm: the account to charge (default Engines:Slurm:Account)"),
        new("python", "PATH", "torchrun/slurm: the Python with PyTorch (default Engines:Python, else python3 with PyTorch)"),
        new("shards", "DIR", "torchrun/slurm: shards made with `dataset pack` (default: the run's data, packed into the run folder)"),
        new("dry-run", null, "torchrun/slurm: print the command or sbatch script and exit; nothing is written, started or submitted"),
    ];

    /// <summary>Whether the arguments ask for the PyTorch engine.</summary>
    public static bool IsRequested(VerbArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var engine = Parse(arguments);
        if (engine == ExternalEngine.InProcess)
        {
            var misplaced = Options.Where(o => o.Name != "engine" && arguments.Has(o.Name)).Select(o => o.Usage).ToList();
            if (misplaced.Count > 0)
                throw new UsageException($"{string.Join(", ", misplaced)}: for --engine torchrun or slurm only; the in-process engine trains in this process.");
        }
        return engine != ExternalEngine.InProcess;
    }

    public static async Task<int> RunAsync(VerbArguments arguments, TrainingConfig config, ResumePoint? resume, ModelSource? init, string? tokenizerPath,
        VerbConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(console);
        if (arguments.Has("estimate")) throw new UsageException("--estimate is the in-process engine's memory estimate; the PyTorch engine's memory depends on its device.");
        var settings = ReadSettings(arguments);
        var plan = Plan(arguments, settings, config, resume, init, tokenizerPath);

        if (arguments.Has("dry-run"))
        {
            await console.Out.WriteAsync(plan.Engine == ExternalEngine.Slurm
                ? ExternalRunLauncher.SlurmScriptOf(plan)
                : $"PYTHONPATH={ShellQuoting.Quote(DistributedPackage.Resolve(plan.PackageRoot))} {ShellQuoting.Join([plan.Python is { Length: > 0 } p ? p : "python3", .. ExternalRunLauncher.TorchrunArgumentsOf(plan)])}\n");
            await console.Error.WriteLineAsync(plan.IsResume || plan.Shards is not null
                ? "dry run: nothing was written or started."
                : $"dry run: nothing was written or started; a real run first packs {config.Data} into {plan.ShardsPath} and writes {Path.Combine(plan.RunFolder, ExternalRunPlan.ConfigFileName)}.");
            return CommandLine.Success;
        }
        var problems = plan.Validate();
        if (problems.Count > 0) throw new UsageException("The run cannot start:\n- " + string.Join("\n- ", problems));

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ExternalRunSupervisor? supervisor = null;
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            // The first Ctrl+C stops the run after its step with a checkpoint; a second one ends this process.
            if (cancellation.IsCancellationRequested) return;
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            await console.Error.WriteLineAsync(Describe(plan, config));
            IExternalJob job;
            try
            {
                job = ExternalRunLauncher.Start(plan, onLine: plan.Engine == ExternalEngine.Torchrun ? console.Error.WriteLine : null,
                    packing: new Progress<NanoVlm.Engine.Training.Sources.PackProgress>(p => console.Error.WriteLine(
                        string.Create(CultureInfo.InvariantCulture, $"packing {p.Split}: {p.Samples}{(p.Total is { } t ? $"/{t}" : "")}"))),
                    cancellation.Token);
            }
            catch (ExternalEngineUnavailableException e)
            {
                await console.Error.WriteLineAsync($"error: {e.Message}");
                return CommandLine.Failure;
            }
            catch (OperationCanceledException)
            {
                await console.Error.WriteLineAsync("cancelled before the run started.");
                return 2;
            }
            if (plan.Engine == ExternalEngine.Torchrun && plan.Torchrun.Nodes > 1)
            {
                await console.Error.WriteLineAsync($"start the same on each of the other {plan.Torchrun.Nodes - 1} node(s) (the run folder and shards on a shared filesystem):\n" +
                    $"  PYTHONPATH={ShellQuoting.Quote(DistributedPackage.Resolve(plan.PackageRoot))} {ShellQuoting.Join([plan.Python is { Length: > 0 } p ? p : "python3", .. ExternalRunLauncher.TorchrunArgumentsOf(plan)])}");
            }
            // torchrun's console already carries the workers' progress lines; a Slurm job's goes to its output file.
            ITrainingEventSink printer = plan.Engine == ExternalEngine.Slurm ? new ProgressPrinter(console.Error, config.MaxSteps) : new NoSink();
            supervisor = ExternalRunSupervisor.Start(job, plan.RunFolder, printer, new ExternalRunOptions
            {
                StopGrace = TimeSpan.FromSeconds(settings.StopGraceSeconds),
                FollowFromEnd = plan.IsResume,
            });
            if (job is SlurmJob slurm) await console.Error.WriteLineAsync($"submitted {slurm.Name}; its console: {Path.Combine(plan.RunFolder, $"slurm-{slurm.JobId}.out")}");
            using var stop = cancellation.Token.Register(supervisor.Cancel);
            var outcome = await supervisor.Completion;
            await console.Error.WriteLineAsync($"{outcome.State} at step {outcome.Step}: {outcome.Reason}");
            await console.Out.WriteLineAsync(plan.RunFolder);
            return outcome.State switch
            {
                TrainingState.Completed => CommandLine.Success,
                TrainingState.Cancelled => 2,
                _ => CommandLine.Failure,
            };
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
            supervisor?.Dispose();
        }
    }

    private static ExternalEngine Parse(VerbArguments arguments)
    {
        try
        {
            return ExternalEngineNames.Parse(arguments.GetString("engine"), "--engine");
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ExternalEnginesOptions ReadSettings(VerbArguments arguments)
    {
        var settings = AppConfiguration.BuildForVerb(arguments.ConfigurationOverrides).GetSection(ExternalEnginesOptions.Section).Get<ExternalEnginesOptions>()
                       ?? new ExternalEnginesOptions();
        var result = new ExternalEnginesOptionsValidator().Validate(null, settings);
        if (result.Failed) throw new UsageException("The Engines configuration is not usable:\n- " + string.Join("\n- ", result.Failures));
        return settings;
    }

    private static ExternalRunPlan Plan(VerbArguments arguments, ExternalEnginesOptions settings, TrainingConfig config, ResumePoint? resume, ModelSource? init,
        string? tokenizerPath)
    {
        var engine = Parse(arguments);
        // As RunSetup.Check does for the in-process engine: existing weights bring their architecture.
        if (init is not null) config = config with { Model = init.Config, Init = init.Directory };
        var folder = Path.GetFullPath(arguments.GetString("out") ?? resume?.RunDirectory ?? TrainVerb.DefaultOutputDirectory());
        if (resume is not null && resume.RunDirectory is null)
            throw new UsageException($"'{resume.Checkpoint}' lies in no run folder; the PyTorch engine resumes a run folder's checkpoint (RUN/checkpoints/step_N).");
        var nodes = arguments.GetInt("nnodes", 1, 4096) ?? 1;
        var processes = arguments.GetInt("nproc-per-node", 1, 1024) ?? 1;
        var slurm = settings.SlurmSettings(nodes, processes) with
        {
            Partition = arguments.GetString("partition") ?? settings.Slurm.Partition,
            Account = arguments.GetString("account") ?? settings.Slurm.Account,
            TimeLimit = arguments.GetString("time") ?? settings.Slurm.TimeLimit,
            GpusPerNode = arguments.GetInt("gpus-per-node", 0, 1024) ?? settings.Slurm.GpusPerNode,
            JobName = "nanovlm-" + new string(Path.GetFileName(folder).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()),
        };
        return new ExternalRunPlan
        {
            Engine = engine,
            Config = config,
            RunFolder = folder,
            Torchrun = new TorchrunSettings
            {
                ProcessesPerNode = processes,
                Nodes = nodes,
                RendezvousEndpoint = arguments.GetString("rdzv-endpoint"),
                RendezvousId = Path.GetFileName(folder),
            },
            Slurm = slurm,
            SlurmCommands = settings.SlurmCommands(),
            Python = arguments.GetString("python") ?? settings.Python,
            PackageRoot = settings.PythonPackage.Length > 0 ? settings.PythonPackage : null,
            Shards = arguments.GetString("shards") is { } shards ? Path.GetFullPath(shards) : null,
            Init = init?.Directory,
            TokenizerPath = init?.Tokenizer.File ?? tokenizerPath,
            ResumeCheckpoint = resume?.Checkpoint,
            ResumePrecision = resume is null ? null : arguments.GetString("precision"),
        };
    }

    private static string Describe(ExternalRunPlan plan, TrainingConfig config) => plan.Engine == ExternalEngine.Slurm
        ? string.Create(CultureInfo.InvariantCulture, $"training {config.ModelPreset} on {config.Data} as a Slurm job: {plan.Slurm.Nodes} node(s) × {plan.Slurm.ProcessesPerNode} process(es) × batch {config.BatchSize}, {config.MaxSteps} steps\nrun folder: {plan.RunFolder}")
        : string.Create(CultureInfo.InvariantCulture, $"training {config.ModelPreset} on {config.Data} under torchrun: {plan.Torchrun.Nodes} node(s) × {plan.Torchrun.ProcessesPerNode} process(es) × batch {config.BatchSize}, {config.MaxSteps} steps\nrun folder: {plan.RunFolder}");

    /// <summary>One line per event, for a Slurm job whose own console is a file on the cluster.</summary>
    private sealed class ProgressPrinter(TextWriter output, int maxSteps) : ITrainingEventSink
    {
        public void Publish(TrainingEvent trainingEvent)
        {
            var line = trainingEvent switch
            {
                MetricsEvent m => string.Create(CultureInfo.InvariantCulture, $"step {m.Step}/{maxSteps}  loss {m.Loss:0.0000}  grad {m.GradNorm:0.00}  {m.Precision}  {m.TokensPerSecond:0} tok/s"),
                EvaluationEvent v => string.Create(CultureInfo.InvariantCulture, $"val loss {v.ValLoss:0.0000} at step {v.Step}"),
                AlertEvent a => $"[{a.Kind}] step {a.Step}: {a.Message}{(a.Action is null ? "" : $" → {a.Action}")}",
                StateChangedEvent s => $"{s.State} at step {s.Step}{(s.Reason is null ? "" : $": {s.Reason}")}",
                _ => null,
            };
            if (line is not null) output.WriteLine(line);
        }
    }

    private sealed class NoSink : ITrainingEventSink
    {
        public void Publish(TrainingEvent trainingEvent)
        {
        }
    }
}
