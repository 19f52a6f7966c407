using TorchSharp;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Guard;
using NanoVlm.Engine.Training.Optimization;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Training;

/// <summary>How an optimizer step ended.</summary>
public enum StepStatus
{
    /// <summary>The update was applied.</summary>
    Applied,

    /// <summary>fp16 gradients overflowed: the loss scale backed off and the update was dropped (GradScaler's normal behaviour).</summary>
    ScaleBackedOff,

    /// <summary>A non-finite loss or gradient the scaler cannot absorb: the update was not applied and <see cref="StepResult.Diagnosis"/> says why.</summary>
    Failed,
}

/// <summary>What one optimizer step did.</summary>
/// <param name="Snapshot">the folder the failing step's weights and batch were kept in (failures only, when a folder was given)</param>
public sealed record StepResult(
    StepStatus Status,
    double Loss,
    double GradNorm,
    long Tokens,
    long Images,
    double? LossScale,
    IReadOnlyDictionary<string, double> LearningRates,
    IReadOnlyList<ModuleHeadroom>? Headroom,
    NanDiagnosisReport? Diagnosis,
    string? Snapshot = null);

/// <summary>
/// One optimizer step, in one dispose scope: set the learning rates; for each of the accumulated micro-batches (each in
/// its own dispose scope), forward in the run's precision (pinned modules in float32) and backward of the (scaled)
/// loss; unscale; one device sync for the loss, the gradient norm, the token and label counts and the flight
/// recorder's module maxima (the NaN guard's every-step check); then either clip and update, back the loss scale off,
/// or diagnose a failure while the batch is still at hand. Every step, whatever its end, goes into the flight recorder.
/// </summary>
public static class OptimizerStep
{
    /// <param name="snapshots">where a failing step's weights and batch are kept for replay (null: not kept)</param>
    public static StepResult Run(TrainingSession session, ITrainingFaultInjector? faults, bool measureHeadroom, FailureSnapshots? snapshots = null)
    {
        using var scope = NewDisposeScope();
        var model = session.Model;
        var learningRates = session.LearningRates();
        var lossScale = session.Scaler.Scale;
        using var armed = faults?.Arm(session.Step, model);
        var recorder = session.Recorder;
        // Every module is probed on headroom steps (and once to pick the recorder's modules); on other steps the
        // recorder watches only its few tightest modules.
        var probeAll = measureHeadroom || recorder.NeedsMeasurement;
        var tracker = new ModuleMaxTracker(recorder.Enabled && !probeAll ? recorder.Tracked : []);
        tracker.Begin(model.Device);

        // Forward and backward over the accumulated micro-batches.
        var batches = new List<TrainingBatch>(session.GradAccum);
        var lossSum = zeros(1, device: model.Device);
        var tokens = zeros(1, dtype: ScalarType.Int64, device: model.Device);
        var fewestLabels = full(1, long.MaxValue, dtype: ScalarType.Int64, device: model.Device); // the least-labelled micro-batch's count
        var observed = new List<ModuleActivation>();
        for (var micro = 0; micro < session.GradAccum; micro++)
        {
            var batch = session.Data.NextBatch(session.MicroBatch); // kept until the step ends: a failure is diagnosed on it
            batches.Add(batch);
            // The forward's tensors are released after each backward, not at the end of the step: with 8 micro-batches
            // per step (nanoVLM's default) the step would otherwise hold 8 micro-batches' activations at once.
            using var microScope = NewDisposeScope();
            Tensor loss;
            using (PrecisionScope.Enter(session.Precision, model, session.OnCuda, session.Pins))
            using (var probe = probeAll ? ActivationProbe.Attach(model) : null) // after the fp16 rounding hooks
            using (tracker.Watch(model))
            {
                var hidden = model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask);
                loss = model.Loss(hidden, batch.Labels);
                if (probe is not null) observed.AddRange(probe.Read());
            }
            using (Scalar perMicroBatch = lossScale / session.GradAccum) loss.mul(perMicroBatch).backward();
            lossSum.add_(loss.detach().to(ScalarType.Float32).reshape(1), NativeScalars.One);
            tokens.add_(batch.AttentionMask.ne(NativeScalars.Zero).sum().reshape(1).to(tokens.device), NativeScalars.One);
            using Scalar ignored = VisionLanguageModel.IgnoreIndex;
            fewestLabels.copy_(minimum(fewestLabels, batch.Labels.ne(ignored).sum().reshape(1).to(fewestLabels.device)));
        }
        var perModule = probeAll ? ActivationProbe.MaxPerModule(observed) : null;
        if (perModule is not null) recorder.Track(perModule, session.PinnableModules.IsLeaf);
        var headroom = measureHeadroom ? Headroom(perModule!) : null;
        var images = batches.Sum(b => b.ImageCount);

        // Unscale, then one sync for loss, gradient norm, tokens, labels and the recorder's module maxima.
        var parameters = session.Optimizer.Parameters.Where(p => p.grad is not null).ToList();
        using (no_grad())
        {
            using Scalar unscale = 1 / lossScale;
            if (lossScale != 1)
                foreach (var p in parameters) p.grad!.mul_(unscale);
        }
        var gradNorm = parameters.Count == 0
            ? zeros(1, device: model.Device)
            : stack(parameters.Select(p => p.grad!.detach().to(ScalarType.Float32).norm()).ToArray()).norm().reshape(1);
        using Scalar accumulation = session.GradAccum;
        Tensor[] read = [lossSum.div(accumulation), gradNorm, tokens.to(ScalarType.Float32), fewestLabels.to(ScalarType.Float32)];
        if (tracker.Maxima is { } maxima) read = [.. read, maxima];
        var synced = cat(read).to(ScalarType.Float64, CPU).data<double>().ToArray();
        var (meanLoss, totalNorm, tokenCount, leastLabelled) = (synced[0], synced[1], (long)synced[2], (long)synced[3]);
        double? reportedScale = session.Scaler.Enabled ? lossScale : null;
        IReadOnlyList<ModuleMaxAbs> recorded = perModule is not null
            ? [.. recorder.Tracked.Select(m => new ModuleMaxAbs(m, perModule.First(p => p.Module == m).MaxAbs))]
            : [.. tracker.Modules.Select((m, i) => new ModuleMaxAbs(m, synced[4 + i]))];

        StepResult Result(StepStatus status, NanDiagnosisReport? diagnosis = null, string? snapshot = null)
        {
            recorder.Record(new FlightRecord
            {
                Step = session.Step,
                Status = status switch { StepStatus.Applied => "applied", StepStatus.ScaleBackedOff => "scale backed off", _ => "failed" },
                Loss = meanLoss,
                GradNorm = totalNorm,
                LossScale = reportedScale,
                Precision = session.Precision.Label(),
                Modules = recorded,
                SampleIds = [.. batches.SelectMany(b => b.SampleIds)],
            });
            return new(status, meanLoss, totalNorm, tokenCount, images, reportedScale, learningRates, headroom, diagnosis, snapshot);
        }

        StepResult Failed(string symptom)
        {
            var (diagnosis, failing) = Diagnose(session, symptom, lossScale, learningRates, batches);
            return Result(StepStatus.Failed, diagnosis, snapshots?.Keep(session, failing, diagnosis));
        }

        if (leastLabelled == 0)
            return Failed("no labelled tokens");
        if (!double.IsFinite(meanLoss))
            return Failed("loss");
        var scaled = session.Scaler.Update(double.IsFinite(totalNorm));
        if (scaled == LossScaleOutcome.SkipAndBackOff)
        {
            session.Optimizer.ZeroGrad();
            return Result(StepStatus.ScaleBackedOff);
        }
        if (scaled == LossScaleOutcome.BelowMinimum)
            return Failed(session.Scaler.Enabled ? "loss scale floor" : "gradients");

        // Clip and update.
        if (session.Config.MaxGradNorm > 0 && totalNorm > session.Config.MaxGradNorm)
        {
            using Scalar coefficient = session.Config.MaxGradNorm / (totalNorm + 1e-6);
            using var noGrad = no_grad();
            foreach (var p in parameters) p.grad!.mul_(coefficient);
        }
        session.Optimizer.Step(learningRates);
        session.Optimizer.ZeroGrad();
        return Result(StepStatus.Applied);
    }

    /// <summary>The diagnosis, and the micro-batch it found failing (the one kept for replay).</summary>
    private static (NanDiagnosisReport Diagnosis, TrainingBatch Failing) Diagnose(TrainingSession session, string symptom, double lossScale,
        IReadOnlyDictionary<string, double> learningRates, List<TrainingBatch> batches)
    {
        session.Optimizer.ZeroGrad();
        var failure = new FailureContext(session.Step, symptom, session.Precision, lossScale, session.Scaler.Enabled, learningRates, batches, session.Pins);
        var diagnosis = NanDiagnostics.Diagnose(session.Model, failure, session.OnCuda, session.PinnableModules);
        var failing = batches.FirstOrDefault(b => b.SampleIds.SequenceEqual(diagnosis.SampleIds)) ?? batches[0];
        return (diagnosis, failing);
    }

    private static ModuleHeadroom[] Headroom(IReadOnlyList<(string Module, double MaxAbs)> perModule) => perModule
        .Select(m => new ModuleHeadroom(m.Module, m.MaxAbs, m.MaxAbs > 0 ? Fp16Emulation.Fp16Max / m.MaxAbs : double.PositiveInfinity))
        .ToArray();
}
