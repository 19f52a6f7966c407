using NanoVlm.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Optimization;

/// <summary>
/// AdamW exactly as <c>torch.optim.AdamW</c> (non-fused, non-amsgrad) computes it, written out so that its state is
/// a plain map of named float32 tensors: checkpoints store it as safetensors and resuming restores it bit for bit.
/// Master weights and moments are float32 whatever the compute precision.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<ParameterGroup> _groups;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;
    private readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> _moments = new(StringComparer.Ordinal);

    public AdamW(IReadOnlyList<ParameterGroup> groups, double beta1, double beta2, double eps, double weightDecay)
    {
        _groups = groups;
        (_beta1, _beta2, _eps, _weightDecay) = (beta1, beta2, eps, weightDecay);
        foreach (var group in groups)
        {
            foreach (var (name, parameter) in group.Parameters)
            {
                _moments[name] = (zeros_like(parameter, dtype: ScalarType.Float32).DetachFromDisposeScope(),
                                  zeros_like(parameter, dtype: ScalarType.Float32).DetachFromDisposeScope());
            }
        }
    }

    public static AdamW From(IReadOnlyList<ParameterGroup> groups, TrainingConfig config) =>
        new(groups, config.AdamBeta1, config.AdamBeta2, config.AdamEps, config.WeightDecay);

    /// <summary>Updates taken so far (PyTorch keeps one per parameter; here they always move together).</summary>
    public long StepCount { get; private set; }

    /// <summary>Every trainable parameter, in group order.</summary>
    public IEnumerable<Parameter> Parameters => _groups.SelectMany(g => g.Parameters.Select(p => p.Parameter));

    /// <summary>One update with a learning rate per group (by group name); gradients must already be unscaled and clipped.</summary>
    public void Step(IReadOnlyDictionary<string, double> learningRates)
    {
        StepCount++;
        var biasCorrection1 = 1 - Math.Pow(_beta1, StepCount);
        var biasCorrection2 = 1 - Math.Pow(_beta2, StepCount);
        using var noGrad = no_grad();
        // Scalars held for the whole update (see NativeScalars: a bare number could be freed mid-call).
        using Scalar beta2 = _beta2, secondMomentWeight = 1 - _beta2,
            secondCorrection = Math.Sqrt(biasCorrection2), eps = _eps;
        foreach (var group in _groups)
        {
            var lr = learningRates[group.Name];
            using Scalar decay = 1 - lr * _weightDecay, stepSize = -lr / biasCorrection1;
            foreach (var (name, parameter) in group.Parameters)
            {
                var grad = parameter.grad;
                if (grad is null) continue;
                using var scope = NewDisposeScope();
                var (expAvg, expAvgSq) = _moments[name];
                parameter.mul_(decay);
                expAvg.lerp_(grad, 1 - _beta1); // the weight becomes a tensor (lerp_ takes no Scalar)
                expAvgSq.mul_(beta2).addcmul_(grad, grad, secondMomentWeight);
                var denominator = expAvgSq.sqrt().div_(secondCorrection).add_(eps, NativeScalars.One); // add_(x) alone would make its alpha from a bare 1
                parameter.addcdiv_(expAvg, denominator, stepSize);
            }
        }
    }

    /// <summary>Clears every gradient (sets it to null, like <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters)
        {
            var grad = parameter.grad;
            if (grad is null) continue;
            grad.Dispose();
            parameter.grad = null;
        }
    }

    /// <summary>The moments as named CPU float32 tensors (created in the caller's dispose scope).</summary>
    public Dictionary<string, Tensor> ExportState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, (expAvg, expAvgSq)) in _moments)
        {
            state[name + ".exp_avg"] = expAvg.detach().to(CPU).contiguous();
            state[name + ".exp_avg_sq"] = expAvgSq.detach().to(CPU).contiguous();
        }
        return state;
    }

    /// <summary>Restores moments written by <see cref="ExportState"/>; every trainable parameter must be present.</summary>
    public void ImportState(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        var missing = _moments.Keys.Where(n => !state.ContainsKey(n + ".exp_avg") || !state.ContainsKey(n + ".exp_avg_sq")).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"The optimizer state lacks moments for: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : "")}.");
        using var noGrad = no_grad();
        foreach (var (name, (expAvg, expAvgSq)) in _moments)
        {
            expAvg.copy_(state[name + ".exp_avg"]);
            expAvgSq.copy_(state[name + ".exp_avg_sq"]);
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var (expAvg, expAvgSq) in _moments.Values)
        {
            expAvg.Dispose();
            expAvgSq.Dispose();
        }
        _moments.Clear();
    }
}
