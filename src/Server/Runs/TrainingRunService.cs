using System.Threading.Channels;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Events;
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
    ILogger<TrainingRunService> logger) : BackgroundService
{
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromMilliseconds(500);
    private readonly Channel<Execution> _queue = Channel.CreateUnbounded<Execution>();
    private readonly Lock _gate = new();
    private (string RunId, TrainingRun Run)? _active;

    // The recorder reaches the services through these (primary-constructor parameters are not members).
    private RunStore Store => store;
    private MetricWriter Metrics => metrics;
    private RunUpdatePublisher Publisher => publisher;
    private ModelCatalog Catalog => catalog;

    /// <summary>One execution of a run: its first start, or a resume from a checkpoint, checked when it was asked for.</summary>
    private sealed record Execution(string RunId, RunSetup Setup);

    public void Enqueue(string runId, RunSetup setup) => _queue.Writer.TryWrite(new Execution(runId, setup));

    /// <summary>Cancels a queued or running run; false when it is neither.</summary>
    public bool Cancel(string runId)
    {
        lock (_gate)
        {
            if (_active is { } active && active.RunId == runId)
            {
                active.Run.Cancel();
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
        var recorder = new Recorder(this, runId, execution.Setup.Config.HeadroomWarnFactor);
        LaunchedRun launched;
        try
        {
            launched = execution.Setup.Launch(folders.Of(runId), new LaunchOptions
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
                _active = (runId, run);
            }
            using var stop = stoppingToken.Register(run.Cancel);
            var outcome = await run.Completion;
            lock (_gate)
            {
                _active = null;
            }
            metrics.Flush();
            Publish(store.Update(runId, r =>
            {
                r.Status = RunEventMapper.ToStatus(outcome.State);
                r.EndedAt = DateTime.UtcNow;
                r.Error = outcome.State is TrainingState.Completed or TrainingState.Cancelled ? null : outcome.Reason;
            }));
        }
        LogFinished(logger, runId);
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
        private DateTime _lastSummary = DateTime.MinValue;

        public void Publish(TrainingEvent trainingEvent)
        {
            switch (trainingEvent)
            {
                case MetricsEvent m:
                    var sample = RunEventMapper.ToSample(m, m.Skipped > _skipped);
                    _skipped = m.Skipped;
                    _trainingSeconds = m.ElapsedSeconds;
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
