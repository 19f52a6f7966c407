using NanoVlm.Engine.Runtime;
using TorchSharp;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>
/// The trainer's optimizer step without the NaN guard, to measure what the guard costs: the same forward, backward,
/// clipping and AdamW update as <see cref="OptimizerStep"/>, but no read-back of the loss and gradient norm, no
/// finiteness checks, no loss scaler and no activation probe. Clipping stays (the reference clips too) and is computed
/// on the device, as <c>torch.nn.utils.clip_grad_norm_</c> does. Not for training: a NaN would go by unnoticed.
/// </summary>
internal static class UnguardedStep
{
    public static void Run(TrainingSession session)
    {
        using var scope = NewDisposeScope();
        var model = session.Model;
        var learningRates = session.LearningRates();
        for (var micro = 0; micro < session.GradAccum; micro++)
        {
            var batch = session.Data.NextBatch(session.MicroBatch);
            Tensor loss;
            using (PrecisionScope.Enter(session.Precision, model, session.OnCuda))
                loss = model.Loss(model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask), batch.Labels);
            using (Scalar accumulation = session.GradAccum) loss.div(accumulation).backward();
        }
        var parameters = session.Optimizer.Parameters.Where(p => p.grad is not null).ToList();
        if (session.Config.MaxGradNorm > 0 && parameters.Count > 0)
        {
            using var noGrad = no_grad();
            var norm = stack(parameters.Select(p => p.grad!.norm()).ToArray()).norm();    // []
            using Scalar tiny = 1e-6, maxNorm = session.Config.MaxGradNorm, ceiling = 1.0;
            var coefficient = norm.add(tiny, NativeScalars.One).reciprocal().mul(maxNorm).clamp_max(ceiling);
            foreach (var p in parameters) p.grad!.mul_(coefficient);
        }
        session.Optimizer.Step(learningRates);
        session.Optimizer.ZeroGrad();
    }
}
