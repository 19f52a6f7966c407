using System.Threading.Channels;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.External;
using NanoVlm.Engine.Training.Setup;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Live;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Runs;

/// <summary>
/// Runs training jobs one at a time (one device), in submission order. Each run executes on the engine's own
/// training thread; this service turns its events into stored metrics, evaluations and events, live updates for
/// pages and the hub, and selectable checkpoints. It also writes the same run folder the train verb writes.
/// </summary>
public sealed partial class TrainingRunService(
    RunStore store,
    MetricWriter metrics,
    RunUpdatePublisher publisher,
    ModelCatalog catalog,
    RunFolders folders,
    AllowedRoots allowedRoots,
    ExternalEngineAvailability externalEngines,
    ILogger<TrainingRunService> logger) : BackgroundService
{
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromMilliseconds(500);
    private readonly Channel<Execution> _queue = Channel.CreateUnbounded<Execution>();
    private readonly Lock _gate = new();
    private (string RunId, Action Cancel)? _active;

    // The recorder reaches the services through these (primary-constructor parameters are not members).
    private RunStore Store => store;
    private MetricWriter Metrics => metrics;
    private RunUpdatePublisher Publisher => publisher;
    private ModelCatalog Catalog => catalog;

    /// <summary>
    /// One execution of a run: its first start, or a resume from a checkpoint, checked when it was asked for; in this
    /// process (<see cref="Setup"/>) or on the PyTorch engine (<see cref="Plan"/>).
    /// </summary>
    private sealed record Execution(string RunId, RunSetup? Setup, ExternalRunPlan? Plan);

    public void Enqueue(string runId, RunSetup setup) => _queue.Writer.TryWrite(new Execution(runId, setup, null));

    /// <summary>A run of the PyTorch engine (torchrun here, or a Slurm job) takes its turn like any other: one at a time.</summary>
    public void Enqueue(string runId, ExternalRunPlan plan) => _queue.Writer.TryWrite(new Execution(runId, null, plan));

    /// <summary>Cancels a queued or running run; false when it is neither.</summary>
    public bool Cancel(string runId)
    {
        lock (_gate)
        {
            if (_active is { } active && active.RunId == runId)
            {
                active.Cancel();
                return true;
            }
        }
        var run = store.GetRun(runId);
        if (run?.Status != RunStatus.Queued)
        {
            return false;
        }
        // The queue skips runs that are no longer queued when their turn comes.
        Publish(store.Update(runId, r =>
        {
            r.Status = RunStatus.Cancelled;
            r.EndedAt = DateTime.UtcNow;
        }));
        var cancelled = new RunEventInfo(runId, run.Step, DateTimeOffset.UtcNow, "state", RunEventSeverity.Info, "Run cancelled while queued", new Dictionary<string, string>());
        store.AppendEvent(cancelled);
        publisher.Publish(new RunUpdate.Happened(runId, cancelled));
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var execution in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                if (store.GetRun(execution.RunId)?.Status != RunStatus.Queued)
                {
                    continue;
                }
                try
                {
                    if (execution.Plan is { } plan)
                        await RunExternalAsync(execution.RunId, plan, stoppingToken);
                    else
                        await RunAsync(execution, stoppingToken);
                }
#pragma warning disable CA1031 // One failed run must never stop the service (and with it the server) or the queue.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogRunCrashed(logger, e, execution.RunId);
                    Fail(execution.RunId, $"The run could not start: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(Execution execution, CancellationToken stoppingToken)
    {
        var runId = execution.RunId;
        var setup = execution.Setup!;
        var recorder = new Recorder(this, runId, setup.Config.HeadroomWarnFactor);
        LaunchedRun launched;
        try
        {
            launched = setup.Launch(folders.Of(runId), new LaunchOptions
            {
                AlsoTo = recorder,
                ImageCheck = allowedRoots.DataImages,
                TensorBoard = false,
            });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException)
        {
            Fail(runId, $"The data could not be prepared: {e.Message}");
            return;
        }

        using (launched)
        {
            var run = launched.Run;
            lock (_gate)
            {
                _active = (runId, run.Cancel);
            }
            using var stop = stoppingToken.Register(run.Cancel);
            var outcome = await run.Completion;
            Finish(runId, outcome);
        }
        LogFinished(logger, runId);
    }

    /// <summary>
    /// A run of the PyTorch engine: its data packed into shards and the job started (torchrun here, or submitted to
    /// Slurm), then its run folder followed into the same recorder as an in-process run's events, until the job ends.
    /// </summary>
    private async Task RunExternalAsync(string runId, ExternalRunPlan plan, CancellationToken stoppingToken)
    {
        var recorder = new Recorder(this, runId, plan.Config.HeadroomWarnFactor);
        using var beforeStart = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        ExternalRunSupervisor? supervisor = null;
        lock (_gate)
        {
            // A cancel before the job exists stops the packing; after, it asks the job to stop with a checkpoint.
            _active = (runId, () =>
            {
                if (Volatile.Read(ref supervisor) is { } started) started.Cancel();
                else beforeStart.Cancel();
            });
        }
        IExternalJob job;
        try
        {
            // Packing tokenizes and preprocesses every sample: off the service's thread.
            job = await Task.Run(() => ExternalRunLauncher.Start(plan, cancellation: beforeStart.Token), beforeStart.Token);
        }
        catch (OperationCanceledException)
        {
            Finish(runId, new TrainingOutcome(TrainingState.Cancelled, 0, "Cancelled before the job started.", null, null));
            return;
        }
        catch (Exception e) when (e is ExternalEngineUnavailableException or IOException or InvalidDataException or InvalidOperationException
                                      or ArgumentException or UnauthorizedAccessException)
        {
            Finish(runId, null);
            Fail(runId, $"The {ExternalEngineNames.Name(plan.Engine)} run could not start: {e.Message}");
            return;
        }
        var started = ExternalRunSupervisor.Start(job, plan.RunFolder, recorder, new ExternalRunOptions
        {
            StopGrace = TimeSpan.FromSeconds(externalEngines.Settings.StopGraceSeconds),
            FollowFromEnd = plan.IsResume,
        });
        using (started)
        {
            Volatile.Write(ref supervisor, started);
            if (beforeStart.IsCancellationRequested) started.Cancel();
            using var stop = stoppingToken.Register(started.Cancel);
            Finish(runId, await started.Completion);
        }
        LogFinished(logger, runId);
    }

    /// <summary>The run is no longer active; with an outcome, its record says how it ended.</summary>
    private void Finish(string runId, TrainingOutcome? outcome)
    {
        lock (_gate)
        {
            _active = null;
        }
        if (outcome is null) return;
        metrics.Flush();
        Publish(store.Update(runId, r =>
        {
            // The run's stopped state reaches the store (and the Resume button) with its last event, a moment before
            // the job has ended: a resume asked in that moment is queued already and must stay so.
            if (r.Status == RunStatus.Queued) return;
            r.Status = RunEventMapper.ToStatus(outcome.State);
            r.EndedAt = DateTime.UtcNow;
            r.Error = outcome.State is TrainingState.Completed or TrainingState.Cancelled ? null : outcome.Reason;
        }));
    }

    private void Fail(string runId, string reason)
    {
        var info = new RunEventInfo(runId, 0, DateTimeOffset.UtcNow, "state", RunEventSeverity.Alert, reason, new Dictionary<string, string>());
        store.AppendEvent(info);
        publisher.Publish(new RunUpdate.Happened(runId, info));
        Publish(store.Update(runId, r =>
        {
            r.Status = RunStatus.Failed;
            r.Error = reason;
            r.EndedAt = DateTime.UtcNow;
        }));
    }

    private void Publish(RunSummary? summary)
    {
        if (summary is not null)
        {
            publisher.Publish(new RunUpdate.Summary(summary.Id, summary));
        }
    }

    /// <summary>Turns one run's events into storage and live updates; called on the training thread.</summary>
    private sealed class Recorder(TrainingRunService service, string runId, double headroomWarnFactor) : ITrainingEventSink
    {
        private int _skipped;
        private double? _trainingSeconds;

        /// <summary>The newest step trained: summaries are throttled, so the last one may lag the last metric.</summary>
        private MetricsEvent? _lastMetrics;
        private DateTime _lastSummary = DateTime.MinValue;

        public void Publish(TrainingEvent trainingEvent)
        {
            switch (trainingEvent)
            {
                case MetricsEvent m:
                    var sample = RunEventMapper.ToSample(m, m.Skipped > _skipped);
                    _skipped = m.Skipped;
                    _trainingSeconds = m.ElapsedSeconds;
                    _lastMetrics = m;
                    service.Metrics.Enqueue(runId, [sample]);
                    service.Publisher.Publish(new RunUpdate.Metrics(runId, [sample]));
                    if (RunEventMapper.ToHeadroom(m, headroomWarnFactor) is { } headroom)
                    {
                        // A few per run (every headroom_interval steps): written straight away, not batched.
                        service.Store.AppendHeadroom(runId, headroom);
                        service.Publisher.Publish(new RunUpdate.Headroom(runId, headroom));
                    }
                    if (DateTime.UtcNow - _lastSummary > SummaryInterval)
                    {
                        _lastSummary = DateTime.UtcNow;
                        service.Publish(service.Store.Update(runId, r =>
                        {
                            r.Step = m.Step;
                            r.Precision = m.Precision;
                            r.TrainingSeconds = _trainingSeconds;
                        }));
                    }
                    return;
                case EvaluationEvent evaluation:
                    var point = new EvaluationSample(evaluation.Step, evaluation.ValLoss, evaluation.Anls);
                    service.Store.AppendEvaluation(runId, point);
                    service.Publisher.Publish(new RunUpdate.Evaluation(runId, point));
                    service.Publish(service.Store.Update(runId, r =>
                    {
                        r.Step = evaluation.Step;
                        if (double.IsFinite(evaluation.ValLoss) && (r.BestValidationLoss is null || evaluation.ValLoss < r.BestValidationLoss))
                            r.BestValidationLoss = evaluation.ValLoss;
                        if (evaluation.Anls is { } anls && (r.BestAnls is null || anls > r.BestAnls))
                            r.BestAnls = anls;
                    }));
                    return;
                case CheckpointEvent checkpoint:
                    var run = service.Store.GetRun(runId);
                    service.Catalog.RegisterRunCheckpoint(checkpoint.Path, runId, run?.Name ?? runId, checkpoint.Step);
                    break;
                case StateChangedEvent state:
                    service.Publish(service.Store.Update(runId, r =>
                    {
                        r.Status = RunEventMapper.ToStatus(state.State);
                        if (state.State == TrainingState.Running) r.StartedAt ??= DateTime.UtcNow;
                        r.TrainingSeconds = _trainingSeconds ?? r.TrainingSeconds;
                        if (_lastMetrics is { } last)
                        {
                            // A run that ends between two throttled summaries still reports the step it ended at.
                            r.Step = last.Step;
                            r.Precision = last.Precision;
                        }
                    }));
                    break;
                case PrecisionSwitchEvent change:
                    service.Publish(service.Store.Update(runId, r => r.Precision = change.To));
                    break;
                case RollbackEvent rollback:
                    // The curve continues from the checkpoint: later steps of the abandoned branch are replaced.
                    service.Metrics.Flush();
                    service.Store.DeleteMetricsAfter(runId, rollback.ToStep);
                    break;
            }
            if (RunEventMapper.ToEvent(runId, trainingEvent) is { } info)
            {
                service.Store.AppendEvent(info);
                service.Publisher.Publish(new RunUpdate.Happened(runId, info));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed outside the trainer")]
    private static partial void LogRunCrashed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} finished")]
    private static partial void LogFinished(ILogger logger, string runId);

    /// <summary>The newest checkpoint of a run, or null.</summary>
    public static CheckpointInfo? LatestCheckpoint(string runFolder)
    {
        var directory = Path.Combine(runFolder, RunFiles.CheckpointsFolder);
        return Directory.Exists(directory) ? new CheckpointStore(directory).Latest : null;
    }
}
