using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Guard;
using NanoVlm.Engine.Training.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training;

/// <summary>
/// The training loop (nanoVLM's <c>train.py</c>, spec §4, plus the NaN guard). Synchronous: it runs on the thread
/// that calls <see cref="Run"/> (a <see cref="TrainingRun"/> gives it a dedicated one), and must be constructed on
/// that same thread (thread count, autocast and dispose scopes are per thread).
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainingConfig _config;
    private readonly TrainerOptions _options;
    private readonly ITrainingEventSink _events;
    private readonly PrecisionPolicy _precisions;
    private readonly TrainingSession _session;
    private readonly CheckpointStore? _store;
    private readonly NanGuard _guard;
    private readonly FailureSnapshots? _snapshots;
    private string? _lastCheckpoint;
    private int _lastCheckpointStep = -1;
    private int _lastEvaluationStep = -1;
    private volatile bool _headroomRequested;

    /// <summary>
    /// Builds the run's model and state. The configuration is taken as valid: runs are started through
    /// <see cref="Setup.RunSetup"/>, which checks it once.
    /// </summary>
    public Trainer(TrainingConfig config, ITrainingData data, TrainerOptions options, ITrainingEventSink events)
    {
        _config = config;
        _options = options;
        _events = events;
        var device = EngineDevice.Resolve(config.Device);
        _precisions = new PrecisionPolicy(options.Capabilities ?? DeviceCapabilities.Detect(device));
        EngineThreads.Apply(config.Threads);

        manual_seed(config.Seed);
        var model = CreateModel(config, options, device);
        _session = new TrainingSession(config, model, data, _precisions.Resolve(config.Precision, config.ResolveModel()), device.IsCuda);
        // A pin that names no module of this model fails the run at once, saying which names would do.
        _session.PinnableModules.EnsureKnown(config.PinnedModules);
        _store = options.CheckpointDirectory is null ? null : new CheckpointStore(options.CheckpointDirectory);
        _snapshots = options.FailureDirectory is null ? null : new FailureSnapshots(options.FailureDirectory);
        _guard = new NanGuard(config, _precisions, _session.PinnableModules);
        if (options.ResumeFrom is not null)
        {
            var checkpointPins = CheckpointStore.ReadState(options.ResumeFrom).PinnedModules ?? [];
            _session.Restore(options.ResumeFrom, keepHistory: false);
            (_lastCheckpoint, _lastCheckpointStep, _lastEvaluationStep) = (options.ResumeFrom, _session.Step, _session.Step);
            ApplyResumeChanges();
            var asked = _session.Pins.Modules.Except(checkpointPins, StringComparer.Ordinal).ToArray();
            if (asked.Length > 0) PublishPins(asked, [], $"resumed with {string.Join(", ", asked)} computed in float32 as asked");
        }
    }

    public TrainingSession Session => _session;

    public VisionLanguageModel Model => _session.Model;

    /// <summary>Measure activation headroom on the next step (callable from any thread).</summary>
    public void RequestHeadroomCheck() => _headroomRequested = true;

    /// <summary>Trains until <c>max_steps</c>, a stop by the NaN guard, or cancellation (checked between steps).</summary>
    public TrainingOutcome Run(Action<CancellationToken>? betweenSteps = null, CancellationToken cancellation = default)
    {
        _session.Clock.Start();
        Publish(new StateChangedEvent { Step = _session.Step, State = TrainingState.Running, Reason = Describe() });
        try
        {
            if (_session.Step == 0 && _lastCheckpoint is null)
            {
                if (!_session.Pins.IsEmpty) PublishPins(_session.Pins.Modules, [], "pinned_modules of the configuration");
                Evaluate();       // the reference evaluates and checkpoints at step 0
                SaveCheckpoint(); // and it is what a first failure rolls back to
            }
            while (_session.Step < _config.MaxSteps)
            {
                betweenSteps?.Invoke(cancellation); // pause point
                cancellation.ThrowIfCancellationRequested();

                var started = _session.Clock.Elapsed;
                var result = OptimizerStep.Run(_session, _options.FaultInjector, HeadroomDue(), _snapshots);
                if (result.Status == StepStatus.Failed)
                {
                    var stopped = HandleFailure(result.Diagnosis!, result.Snapshot);
                    if (stopped is not null) return stopped;
                    continue;
                }

                _session.Step++;
                _session.TokensSeen += result.Tokens;
                _session.ImagesSeen += result.Images;
                if (result.Status == StepStatus.ScaleBackedOff) ReportOverflow(result);
                ReportMetrics(result, _session.Clock.Elapsed - started);
                WatchForSpike(result);
                WarnOnHeadroom(result);
                if (Due(_config.EvalInterval)) Evaluate();
                if (Due(_config.CheckpointInterval)) SaveCheckpoint();
            }

            if (_config.EvalInterval > 0 && _lastEvaluationStep != _session.Step) Evaluate();
            if (_lastCheckpointStep != _session.Step) SaveCheckpoint();
            return Finish(TrainingState.Completed, $"{_session.Step} steps done.");
        }
        catch (OperationCanceledException)
        {
            if (_lastCheckpointStep != _session.Step) SaveCheckpoint();
            return Finish(TrainingState.Cancelled, "cancelled by the user.");
        }
    }

    private static VisionLanguageModel CreateModel(TrainingConfig config, TrainerOptions options, EngineDevice device)
    {
        var model = new VisionLanguageModel(config.ResolveModel());
        if (Math.Abs(config.LmInitStd - 0.02) > 1e-12) ReinitializeDecoder(model, config.LmInitStd);
        if (options.InitialWeights is not null) CheckpointStore.LoadWeights(model, options.InitialWeights);
        model.to(device.ToTorch());
        model.train();
        return model;
    }

    /// <summary>nanoVLM's decoder init (normal on every linear and the embedding, norms left at 1) with another std.</summary>
    private static void ReinitializeDecoder(VisionLanguageModel model, double std)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.Decoder.named_parameters())
        {
            if (!name.EndsWith("norm1.weight", StringComparison.Ordinal) && !name.EndsWith("norm2.weight", StringComparison.Ordinal) && name != "norm.weight")
                nn.init.normal_(parameter, 0.0, std);
        }
    }

    /// <summary>
    /// A resume asked to continue in another precision or with half the micro-batch (the run page's "Resume in bf16",
    /// "Resume in fp32, half batch"): applied on top of the restored checkpoint and recorded as a precision change.
    /// </summary>
    private void ApplyResumeChanges()
    {
        var precision = _options.ResumePrecision ?? _session.Precision;
        var (microBatch, gradAccum) = _options.ResumeHalvesMicroBatch && _session.MicroBatch > 1
            ? (_session.MicroBatch / 2, _session.GradAccum * 2)
            : (_session.MicroBatch, _session.GradAccum);
        if (precision == _session.Precision && microBatch == _session.MicroBatch) return;
        var from = _session.Precision;
        var reason = $"resumed in {precision.Label()}" + (microBatch != _session.MicroBatch ? $" with micro-batch {_session.MicroBatch} → {microBatch}" : "") + " as asked";
        _session.SetPrecision(precision, reason, microBatch, gradAccum);
        Publish(new PrecisionSwitchEvent
        {
            Step = _session.Step,
            From = from.Label(),
            To = precision.Label(),
            MicroBatch = microBatch,
            GradAccum = gradAccum,
            Reason = reason,
        });
    }

    private bool Due(int interval) => interval > 0 && _session.Step % interval == 0;

    private bool HeadroomDue()
    {
        var due = _headroomRequested || (_config.HeadroomInterval > 0 && _session.Step % _config.HeadroomInterval == 0);
        _headroomRequested = false;
        return due;
    }

    /// <summary>Applies the NaN policy to a failed step; returns the outcome when the run must stop.</summary>
    private TrainingOutcome? HandleFailure(NanDiagnosisReport diagnosis, string? snapshot)
    {
        var decision = _guard.Decide(diagnosis, _session.Precision, _session.MicroBatch, _session.GradAccum, _lastCheckpoint is not null, _session.Pins);
        var failedStep = _session.Step;
        Publish(new AlertEvent
        {
            Step = failedStep,
            Kind = AlertKind.Nan,
            Message = $"Non-finite {diagnosis.Symptom} at step {failedStep} in {diagnosis.Precision}: {diagnosis.Verdict}. {diagnosis.Explanation}",
            Action = decision.Action switch
            {
                GuardAction.Stop => "stopped",
                GuardAction.SkipUpdate => "skipped update",
                _ when decision.Pin.Count > 0 => "rolled back and pinned",
                _ => "rolled back",
            } + ": " + decision.Reason,
            Diagnosis = diagnosis,
            FlightRecorder = _session.Recorder.Enabled ? _session.Recorder.Snapshot() : null,
            Snapshot = snapshot,
        });

        switch (decision.Action)
        {
            case GuardAction.Stop:
                return Finish(TrainingState.Failed, decision.Reason, diagnosis);
            case GuardAction.SkipUpdate:
                _session.Step++;
                _session.Skipped++;
                return null;
            default:
                if (RollBack(failedStep, decision.Reason) is { } unreadable) return Finish(TrainingState.Failed, unreadable, diagnosis);
                if (decision.Pin.Count > 0) PublishPins(decision.Pin, [], decision.Reason);
                if (decision.SwitchTo is { } precision)
                {
                    var from = _session.Precision;
                    _session.SetPrecision(precision, decision.Reason, decision.MicroBatch, decision.GradAccum);
                    Publish(new PrecisionSwitchEvent
                    {
                        Step = _session.Step,
                        From = from.Label(),
                        To = precision.Label(),
                        MicroBatch = _session.MicroBatch,
                        GradAccum = _session.GradAccum,
                        Reason = decision.Reason,
                    });
                    // Pins keep parts of a half-precision model in float32; once the run has left fp16 they only cost time.
                    if (!_session.Pins.IsEmpty && !precision.IsFp16()) PublishPins([], _session.Pins.Modules, $"the run left fp16 for {precision.Label()}");
                }
                return null;
        }
    }

    /// <summary>
    /// Goes back to the last checkpoint; when it cannot be read (a corrupt or half-deleted file), to the one before it, and
    /// so on, saying so. Returns why the run cannot go on when no checkpoint can be read, else null.
    /// </summary>
    private string? RollBack(int failedStep, string reason)
    {
        var candidates = new List<string> { _lastCheckpoint! };
        if (_store is not null)
            candidates.AddRange(_store.List().Where(c => c.Step <= _lastCheckpointStep && c.Path != _lastCheckpoint).Reverse().Select(c => c.Path));
        var unreadable = new List<string>();
        foreach (var checkpoint in candidates)
        {
            try
            {
                _session.Restore(checkpoint, keepHistory: true);
            }
#pragma warning disable CA1031 // whatever is wrong with a checkpoint's files, the one before it may still be whole
            catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                var problem = $"{Path.GetFileName(checkpoint)} cannot be read ({e.GetType().Name}: {e.Message})";
                unreadable.Add(problem);
                Publish(new AlertEvent
                {
                    Step = failedStep,
                    Kind = AlertKind.Checkpoint,
                    Message = $"Rolling back from step {failedStep}: checkpoint {problem}; trying the one before it.",
                    Action = "fell back to an earlier checkpoint",
                });
                continue;
            }
            _session.Recorder.Clear(); // the recorded steps belong to the abandoned branch
            (_lastCheckpoint, _lastCheckpointStep) = (checkpoint, _session.Step);
            var fallback = unreadable.Count == 0 ? "" : $" (fell back past {string.Join("; ", unreadable)})";
            Publish(new RollbackEvent { Step = _session.Step, FromStep = failedStep, ToStep = _session.Step, Checkpoint = checkpoint, Reason = reason + fallback });
            return null;
        }
        return $"no checkpoint could be read to roll back to: {string.Join("; ", unreadable)}.";
    }

    /// <summary>Pins or unpins modules (computed in float32 from now on) and records it.</summary>
    private void PublishPins(IReadOnlyList<string> added, IReadOnlyList<string> removed, string reason)
    {
        var pins = new ModulePins(_session.Pins.Modules.Except(removed, StringComparer.Ordinal)).With(added);
        _session.Pins = pins;
        Publish(new PinEvent
        {
            Step = _session.Step,
            Added = added,
            Removed = removed,
            Pinned = pins.Modules,
            ParameterFraction = _session.PinnableModules.ParameterFraction(pins),
            Reason = reason,
        });
    }

    private void ReportOverflow(StepResult result) => Publish(new AlertEvent
    {
        Step = _session.Step,
        Kind = AlertKind.Overflow,
        Message = $"fp16 gradients overflowed at loss scale {result.LossScale:g}; the update was skipped and the scale halved to {_session.Scaler.Scale:g}.",
        Action = "skipped update",
    });

    private void ReportMetrics(StepResult result, TimeSpan stepTime)
    {
        if (result.Status == StepStatus.ScaleBackedOff) _session.Skipped++;
        Publish(new MetricsEvent
        {
            Step = _session.Step,
            TokensSeen = _session.TokensSeen,
            ImagesSeen = _session.ImagesSeen,
            Loss = result.Loss,
            LearningRates = result.LearningRates,
            GradNorm = result.GradNorm,
            LossScale = result.LossScale,
            Precision = _session.Precision.Label() + (_options.FaultInjector is null ? "" : "+faults"),
            MicroBatch = _session.MicroBatch,
            GradAccum = _session.GradAccum,
            TokensPerSecond = result.Tokens / Math.Max(stepTime.TotalSeconds, 1e-9),
            ElapsedSeconds = _session.ElapsedSeconds,
            Skipped = _session.Skipped,
            Headroom = result.Headroom,
        });
    }

    private void WatchForSpike(StepResult result)
    {
        if (_session.SpikeDetector.Observe(result.Loss) is { } median)
        {
            Publish(new AlertEvent
            {
                Step = _session.Step,
                Kind = AlertKind.Spike,
                Message = $"Loss {result.Loss:g4} is {result.Loss / median:0.0}× the median {median:g4} of the last {_config.SpikeWindow} steps.",
                Action = "warned",
            });
        }
    }

    /// <summary>
    /// A headroom warning while fp16 is at stake. Once a run has left fp16 (a recovery's switch to bf16 or fp32) the
    /// headroom is information only: the chart shows what would overflow in fp16, and nothing is raised. Pinned modules
    /// compute in float32, so their headroom raises nothing either.
    /// </summary>
    private void WarnOnHeadroom(StepResult result)
    {
        if (result.Headroom is null) return;
        if (!_session.Precision.IsFp16() && _session.PrecisionHistory.Any(p => p.Precision.IsFp16())) return;
        var low = result.Headroom.Where(h => h.Fp16Headroom < _config.HeadroomWarnFactor && !_session.Pins.Covers(h.Module)).ToArray();
        if (low.Length == 0) return;
        var worst = low[0];
        Publish(new AlertEvent
        {
            Step = _session.Step,
            Kind = AlertKind.Headroom,
            Message = $"{worst.Module} reached max |a| = {worst.MaxAbs:g4}: fp16 headroom {worst.Fp16Headroom:0.0}× " +
                      $"(warning below {_config.HeadroomWarnFactor:0.#}×; {low.Length} module(s) below).",
            Action = "warned",
            Headroom = low,
        });
    }

    private void Evaluate()
    {
        if (_config.EvalInterval == 0 || _config.ValBatches == 0) return;
        var started = _session.Clock.Elapsed;
        var (loss, batches) = Validation.Loss(_session, _config.ValBatches);
        double? anls = null;
        if (_options.Evaluator is { } evaluator)
        {
            _session.Model.eval();
            using (no_grad()) anls = evaluator(_session.Model, _session.Step);
            _session.Model.train();
        }
        (_session.LastValLoss, _session.LastAnls, _lastEvaluationStep) = (loss, anls, _session.Step);
        Publish(new EvaluationEvent { Step = _session.Step, ValLoss = loss, Anls = anls, Batches = batches, Seconds = (_session.Clock.Elapsed - started).TotalSeconds });
    }

    private void SaveCheckpoint()
    {
        if (_store is null) return;
        var broken = NanDiagnostics.NonFiniteParameters(_session.Model);
        if (broken.Count > 0)
        {
            Publish(new AlertEvent
            {
                Step = _session.Step,
                Kind = AlertKind.Nan,
                Action = "checkpoint not written",
                Message = $"Not checkpointing step {_session.Step}: non-finite weights ({string.Join(", ", broken)}).",
            });
            return;
        }
        var isBest = false;
        if (_lastEvaluationStep == _session.Step && (_session.LastAnls ?? _session.LastValLoss) is { } value && double.IsFinite(value))
        {
            var metric = _session.LastAnls is null ? "val_loss" : "anls";
            if (_session.Best is null || _session.Best.IsBeatenBy(metric, value, _session.LastValLoss))
            {
                _session.Best = new BestCheckpoint(metric, value, _session.Step, CheckpointStore.NameFor(_session.Step), _session.LastValLoss);
                isBest = true;
            }
        }
        var saved = _store.Save(_session.Model, _session.Optimizer, _session.Snapshot());
        var removed = _store.ApplyRetention(_config.KeepLastCheckpoints, _session.Best?.Name);
        (_lastCheckpoint, _lastCheckpointStep) = (saved.Path, _session.Step);
        Publish(new CheckpointEvent { Step = _session.Step, Path = saved.Path, Best = isBest, Removed = removed });
    }

    private TrainingOutcome Finish(TrainingState state, string reason, NanDiagnosisReport? diagnosis = null)
    {
        Publish(new StateChangedEvent { Step = _session.Step, State = state, Reason = reason });
        return new TrainingOutcome(state, _session.Step, reason, diagnosis, _lastCheckpoint);
    }

    private string Describe() =>
        $"{_config.ModelPreset}, {_session.Precision.Label()}, micro-batch {_session.MicroBatch} × {_session.GradAccum}, " +
        $"{get_num_threads()} threads, from step {_session.Step}";

    private void Publish(TrainingEvent e) => _events.Publish(e);

    public void Dispose()
    {
        _session.Dispose();
        _session.Model.Dispose();
    }
}
