using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Training;

/// <summary>
/// A training run on its own dedicated thread (never the thread pool: TorchSharp dispose scopes, autocast and the
/// intra-op thread count are per thread, and a run holds its thread for hours). Control calls (<see cref="Pause"/>,
/// <see cref="Resume"/>, <see cref="Cancel"/>) are safe from any thread and take effect between steps; progress
/// arrives as events through <see cref="Subscribe"/>.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private readonly TrainingEventHub _hub = new();
    private readonly CancellationTokenSource _cancellation = new();
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private readonly TaskCompletionSource<TrainingOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private volatile Trainer? _trainer;
    private int _step;

    private TrainingRun(TrainingConfig config, Func<ITrainingData> data, TrainerOptions options, ITrainingEventSink? alsoTo, int startStep)
    {
        if (alsoTo is not null) _hub.Subscribe(alsoTo.Publish);
        _hub.Subscribe(e => _step = e.Step);
        State = TrainingState.Queued;
        _step = startStep;
        _hub.Publish(new StateChangedEvent { Step = startStep, State = TrainingState.Queued });
        _thread = new Thread(() => Work(config, data, options)) { IsBackground = true, Name = "nanovlm-training" };
    }

    /// <summary>
    /// Queues a run and starts its thread. <paramref name="data"/> is called on the training thread. The configuration
    /// is not checked again: runs are started through <see cref="Setup.RunSetup"/>, which checks it once.
    /// </summary>
    /// <param name="startStep">the step the run starts at (a resumed checkpoint's), for the events before it loads</param>
    public static TrainingRun Start(TrainingConfig config, Func<ITrainingData> data, TrainerOptions options, ITrainingEventSink? alsoTo = null, int startStep = 0)
    {
        var run = new TrainingRun(config, data, options, alsoTo, startStep);
        run._thread.Start();
        return run;
    }

    public TrainingState State { get; private set; }

    /// <summary>Completes when the run has ended (never faults: failures are an outcome).</summary>
    public Task<TrainingOutcome> Completion => _completion.Task;

    /// <summary>
    /// Every event from now on, until disposed. The run keeps no history: a sink that must see every event, the first
    /// (Queued) included, is given to <see cref="Start"/>.
    /// </summary>
    public IDisposable Subscribe(Action<TrainingEvent> onEvent) => _hub.Subscribe(onEvent);

    /// <summary>Stops before the next step until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (State != TrainingState.Running) return;
        _running.Reset();
    }

    public void Resume()
    {
        if (_running.IsSet) return;
        _running.Set();
    }

    /// <summary>Ends the run at the next step boundary (a checkpoint is written first).</summary>
    public void Cancel()
    {
        _cancellation.Cancel();
        _running.Set();
    }

    /// <summary>Measure activation headroom on the next step.</summary>
    public void RequestHeadroomCheck() => _trainer?.RequestHeadroomCheck();

    private void Work(TrainingConfig config, Func<ITrainingData> data, TrainerOptions options)
    {
        TrainingOutcome outcome;
        try
        {
            State = TrainingState.Running;
            using var trainer = new Trainer(config, data(), options, _hub);
            _trainer = trainer;
            outcome = trainer.Run(WaitWhilePaused, _cancellation.Token);
        }
#pragma warning disable CA1031 // a run that crashes is reported as failed, never left hanging
        catch (Exception e)
#pragma warning restore CA1031
        {
            // A failed checkpoint write already explains itself (folder, reason, fix); other failures name their type.
            var reason = e is Checkpoints.CheckpointWriteException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            _hub.Publish(new StateChangedEvent { Step = _step, State = TrainingState.Failed, Reason = reason });
            outcome = new TrainingOutcome(TrainingState.Failed, _step, reason, null, null);
        }
        _trainer = null;
        State = outcome.State;
        _completion.SetResult(outcome);
    }

    private void WaitWhilePaused(CancellationToken cancellation)
    {
        if (_running.IsSet) return;
        State = TrainingState.Paused;
        _hub.Publish(new StateChangedEvent { Step = _step, State = TrainingState.Paused });
        _running.Wait(CancellationToken.None);
        if (cancellation.IsCancellationRequested) return;
        State = TrainingState.Running;
        _hub.Publish(new StateChangedEvent { Step = _step, State = TrainingState.Running, Reason = "resumed" });
    }

    public void Dispose()
    {
        Cancel();
        _thread.Join();
        _cancellation.Dispose();
        _running.Dispose();
    }
}
