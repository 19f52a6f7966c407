using TorchSharp;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Guard;
using NanoVlm.Engine.Training.Optimization;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;
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
public sealed record StepResult(
    StepStatus Status,
    double Loss,
    double GradNorm,
    long Tokens,
    long Images,
    double? LossScale,
    IReadOnlyDictionary<string, double> LearningRates,
    IReadOnlyList<ModuleHeadroom>? Headroom,
    NanDiagnosisReport? Diagnosis);

/// <summary>
/// One optimizer step, in one dispose scope: set the learning rates; for each of the accumulated micro-batches (each in
/// its own dispose scope), forward in the run's precision and backward of the (scaled) loss; unscale; one device sync for the loss, the
/// gradient norm and the token count (the NaN guard's every-step check); then either clip and update, back the
/// loss scale off, or diagnose a failure while the batch is still at hand.
/// </summary>
public static class OptimizerStep
{
    public static StepResult Run(TrainingSession session, ITrainingFaultInjector? faults, bool measureHeadroom)
    {
        using var scope = NewDisposeScope();
        var model = session.Model;
        var learningRates = session.LearningRates();
        var lossScale = session.Scaler.Scale;
        using var armed = faults?.Arm(session.Step, model);

        // Forward and backward over the accumulated micro-batches.
        var batches = new List<TrainingBatch>(session.GradAccum);
        var lossSum = zeros(1, device: model.Device);
        var tokens = zeros(1, dtype: ScalarType.Int64, device: model.Device);
        var observed = new List<ModuleActivation>();
        for (var micro = 0; micro < session.GradAccum; micro++)
        {
            var batch = session.Data.NextBatch(session.MicroBatch); // kept until the step ends: a failure is diagnosed on it
            batches.Add(batch);
            // The forward's tensors are released after each backward, not at the end of the step: with 8 micro-batches
            // per step (nanoVLM's default) the step would otherwise hold 8 micro-batches' activations at once.
            using var microScope = NewDisposeScope();
            Tensor loss;
            using (PrecisionScope.Enter(session.Precision, model, session.OnCuda))
            using (var probe = measureHeadroom ? ActivationProbe.Attach(model) : null) // after the fp16 rounding hooks
            {
                var hidden = model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask);
                loss = model.Loss(hidden, batch.Labels);
                if (probe is not null) observed.AddRange(probe.Read());
            }
            using (Scalar perMicroBatch = lossScale / session.GradAccum) loss.mul(perMicroBatch).backward();
            lossSum.add_(loss.detach().to(ScalarType.Float32).reshape(1), NativeScalars.One);
            tokens.add_(batch.AttentionMask.ne(NativeScalars.Zero).sum().reshape(1).to(tokens.device), NativeScalars.One);
        }
        var headroom = measureHeadroom ? Headroom(observed) : null;
        var images = batches.Sum(b => b.ImageCount);

        // Unscale, then one sync for loss, gradient norm and tokens.
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
        var synced = cat([lossSum.div(accumulation), gradNorm, tokens.to(ScalarType.Float32)]).to(ScalarType.Float64, CPU).data<double>().ToArray();
        var (meanLoss, totalNorm, tokenCount) = (synced[0], synced[1], (long)synced[2]);
        double? reportedScale = session.Scaler.Enabled ? lossScale : null;

        StepResult Result(StepStatus status, NanDiagnosisReport? diagnosis = null) =>
            new(status, meanLoss, totalNorm, tokenCount, images, reportedScale, learningRates, headroom, diagnosis);

        if (!double.IsFinite(meanLoss))
            return Result(StepStatus.Failed, Diagnose(session, "loss", lossScale, learningRates, batches));
        var scaled = session.Scaler.Update(double.IsFinite(totalNorm));
        if (scaled == LossScaleOutcome.SkipAndBackOff)
        {
            session.Optimizer.ZeroGrad();
            return Result(StepStatus.ScaleBackedOff);
        }
        if (scaled == LossScaleOutcome.BelowMinimum)
        {
            var symptom = session.Scaler.Enabled ? "loss scale floor" : "gradients";
            return Result(StepStatus.Failed, Diagnose(session, symptom, lossScale, learningRates, batches));
        }

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

    private static NanDiagnosisReport Diagnose(TrainingSession session, string symptom, double lossScale,
        IReadOnlyDictionary<string, double> learningRates, IReadOnlyList<TrainingBatch> batches)
    {
        session.Optimizer.ZeroGrad();
        var failure = new FailureContext(session.Step, symptom, session.Precision, lossScale, session.Scaler.Enabled, learningRates, batches);
        return NanDiagnostics.Diagnose(session.Model, failure, session.OnCuda);
    }

    private static ModuleHeadroom[] Headroom(IReadOnlyList<ModuleActivation> observed) => ActivationProbe.MaxPerModule(observed)
        .Select(m => new ModuleHeadroom(m.Module, m.MaxAbs, m.MaxAbs > 0 ? Fp16Emulation.Fp16Max / m.MaxAbs : double.PositiveInfinity))
        .ToArray();
}
