using System.Text.Json;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Training.External;

/// <summary>How an <see cref="ExternalRunSupervisor"/> follows and stops a job.</summary>
public sealed record ExternalRunOptions
{
    /// <summary>How often the run folder is read.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a stop request may take (the workers finish their step and write a checkpoint) before the job is ended.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Skip what the run folder already holds (a resumed run whose earlier lines were recorded already).</summary>
    public bool FollowFromEnd { get; init; }

    /// <summary>Lines of the job's output quoted in a failure's reason.</summary>
    public int ReasonLines { get; init; } = 12;
}

/// <summary>
/// Watches a training job that runs outside this process (torchrun, Slurm): follows the run folder it writes and
/// publishes its events as the in-process engine would, until the job ends; then reads what is left and settles the
/// outcome. The run folder decides it (the trainer writes completed, failed or cancelled with its reason); a job that
/// ended without saying (a killed worker, a crashed launcher, a usage error) is a failed run whose reason quotes the
/// job's last lines, and that state is appended to the folder's events so the folder tells the same story.
/// </summary>
public sealed class ExternalRunSupervisor : IDisposable
{
    private readonly IExternalJob _job;
    private readonly ITrainingEventSink _sink;
    private readonly ExternalRunOptions _options;
    private readonly RunFolderFollower _follower;
    private readonly TaskCompletionSource<TrainingOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopRequested = new();
    private StateChangedEvent? _lastState;
    private CheckpointEvent? _lastCheckpoint;
    private int _step;
    private volatile bool _forced;

    private ExternalRunSupervisor(IExternalJob job, string runFolder, ITrainingEventSink sink, ExternalRunOptions options)
    {
        _job = job;
        _sink = sink;
        _options = options;
        RunFolder = runFolder;
        _follower = new RunFolderFollower(runFolder, options.FollowFromEnd);
    }

    /// <summary>Starts watching <paramref name="job"/>, which writes <paramref name="runFolder"/>.</summary>
    public static ExternalRunSupervisor Start(IExternalJob job, string runFolder, ITrainingEventSink sink, ExternalRunOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(sink);
        var supervisor = new ExternalRunSupervisor(job, runFolder, sink, options ?? new ExternalRunOptions());
        _ = supervisor.SuperviseAsync();
        return supervisor;
    }

    public string RunFolder { get; }

    public IExternalJob Job => _job;

    /// <summary>Completes when the job has ended and its folder has been read to the end (never faults).</summary>
    public Task<TrainingOutcome> Completion => _completion.Task;

    /// <summary>Lines of the run folder that could not be read.</summary>
    public IReadOnlyList<string> Problems => _follower.Problems;

    /// <summary>Asks the job to stop after its current step (with a checkpoint); ends it if it has not within the grace period.</summary>
    public void Cancel()
    {
        if (_stopRequested.IsCancellationRequested) return;
        _stopRequested.Cancel();
        _job.RequestStop();
        _ = ForceAfterGraceAsync();
    }

    public void Dispose()
    {
        _job.Dispose();
        _stopRequested.Dispose();
    }

    private async Task ForceAfterGraceAsync()
    {
        var ended = await Task.WhenAny(_job.Exited, Task.Delay(_options.StopGrace)).ConfigureAwait(false);
        if (ended == _job.Exited) return;
        _forced = true;
        _job.ForceStop();
    }

    private async Task SuperviseAsync()
    {
        try
        {
            while (!_job.Exited.IsCompleted)
            {
                PublishAll(_follower.Poll());
                await Task.WhenAny(_job.Exited, Task.Delay(_options.PollInterval)).ConfigureAwait(false);
            }
            var exit = await _job.Exited.ConfigureAwait(false);
            PublishAll(_follower.Drain());
            _completion.TrySetResult(Settle(exit));
        }
#pragma warning disable CA1031 // the supervisor must always complete: a failure here is the run's failure, told as such
        catch (Exception e)
#pragma warning restore CA1031
        {
            var reason = $"Following the run failed: {e.GetType().Name}: {e.Message}";
            _completion.TrySetResult(new TrainingOutcome(TrainingState.Failed, _step, reason, null, _lastCheckpoint?.Path));
        }
    }

    private void PublishAll(IReadOnlyList<TrainingEvent> events)
    {
        foreach (var e in events)
        {
            _step = e.Step;
            switch (e)
            {
                case StateChangedEvent state:
                    _lastState = state;
                    break;
                case CheckpointEvent checkpoint:
                    _lastCheckpoint = checkpoint;
                    break;
            }
            _sink.Publish(e);
        }
    }

    /// <summary>The run's outcome once the job has ended and the folder has been read to its end.</summary>
    private TrainingOutcome Settle(JobExit exit)
    {
        var said = _lastState?.State is TrainingState.Completed or TrainingState.Cancelled or TrainingState.Failed;
        // A run that says it completed while a worker then failed (torchrun exits non-zero) did not complete.
        var contradicted = _lastState?.State == TrainingState.Completed && exit.ExitCode is not (0 or null);
        if (said && !contradicted) return new TrainingOutcome(_lastState!.State, _step, _lastState.Reason, null, _lastCheckpoint?.Path);

        // The job ended without the run saying how: it is failed (or cancelled, when a stop had to be forced).
        var lines = _job.FailureLines(_options.ReasonLines);
        var stopped = _stopRequested.IsCancellationRequested;
        var quoted = lines.Count > 0 ? ". Its last lines:\n" + string.Join('\n', lines) : ".";
        var reason = (stopped, _forced) switch
        {
            (true, true) => $"cancelled: {_job.Name} did not stop within {_options.StopGrace.TotalSeconds:0} s of the request and was ended ({exit.Description}).",
            (true, false) => $"cancelled, but {_job.Name} ended without recording it ({exit.Description}){quoted}",
            _ => $"{exit.Description} before the run recorded its end{quoted}",
        };
        if (_lastCheckpoint is not null) reason += $"\nThe newest checkpoint is {_lastCheckpoint.Path}; resume continues from it.";
        var ended = new StateChangedEvent { Step = _step, State = stopped ? TrainingState.Cancelled : TrainingState.Failed, Reason = reason };
        AppendToFolder(ended);
        _sink.Publish(ended);
        return new TrainingOutcome(ended.State, _step, reason, null, _lastCheckpoint?.Path);
    }

    /// <summary>Records the end in the folder's events (its writer is gone), so the folder tells what the dashboard shows.</summary>
    private void AppendToFolder(TrainingEvent e)
    {
        try
        {
            if (!Directory.Exists(RunFolder)) return;
            File.AppendAllText(Path.Combine(RunFolder, RunFiles.EventsFileName), JsonSerializer.Serialize(e, RunFiles.Json) + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The dashboard still records it; the folder just lacks the line.
        }
    }
}
