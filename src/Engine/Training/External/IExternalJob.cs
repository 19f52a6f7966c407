namespace NanoVlm.Engine.Training.External;

/// <summary>How a job that trains outside this process ended, as far as its launcher can tell.</summary>
/// <param name="ExitCode">the launcher's exit code (torchrun's, the Slurm job's); null when unknown</param>
/// <param name="Description">what happened, in words ("torchrun exited with code 1", "Slurm job 42: FAILED")</param>
public sealed record JobExit(int? ExitCode, string Description);

/// <summary>
/// A training job in another process or on other machines (torchrun here, a Slurm job) that writes a run folder. The
/// <see cref="ExternalRunSupervisor"/> follows the folder; the job tells it when it ended and stops on request.
/// </summary>
public interface IExternalJob : IDisposable
{
    /// <summary>"torchrun (pid 1234)", "Slurm job 42".</summary>
    string Name { get; }

    /// <summary>Completes when the job has ended (never faults).</summary>
    Task<JobExit> Exited { get; }

    /// <summary>The last lines the job printed (its console, or its output file).</summary>
    IReadOnlyList<string> LastLines { get; }

    /// <summary>The lines that explain a failure best (the workers' own errors before the launcher's traceback), at most <paramref name="count"/>.</summary>
    IReadOnlyList<string> FailureLines(int count);

    /// <summary>Asks the job to stop after the current step with a checkpoint (SIGTERM, scancel).</summary>
    void RequestStop();

    /// <summary>Ends the job at once (after a stop request was not honoured in time).</summary>
    void ForceStop();
}
