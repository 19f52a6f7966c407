using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Guard;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>Test-only faults: NaN planted into a parameter, or a value planted into a module's output, at a chosen step.</summary>
internal sealed class TestFaultInjector : ITrainingFaultInjector
{
    private int _fired;

    /// <summary>Sets parameter <paramref name="parameter"/> to NaN when step <paramref name="step"/> starts (a diverged weight).</summary>
    public static TestFaultInjector NanWeights(string parameter, int step, bool everyTime = false) =>
        new() { Parameter = parameter, Step = step, EveryTime = everyTime };

    /// <summary>Replaces the output of <paramref name="module"/> with <paramref name="value"/> everywhere during step <paramref name="step"/>.</summary>
    public static TestFaultInjector ModuleOutput(string module, int step, float value) =>
        new() { Module = module, Step = step, Value = value, EveryTime = true };

    public string? Parameter { get; private init; }
    public string? Module { get; private init; }
    public int Step { get; private init; }
    public float Value { get; private init; } = float.NaN;
    public bool EveryTime { get; private init; }

    public int Fired => _fired;

    public IDisposable? Arm(int optimizerStep, VisionLanguageModel model)
    {
        if (optimizerStep != Step || (!EveryTime && _fired > 0)) return null;
        _fired++;
        if (Parameter is not null)
        {
            var target = model.named_parameters().Single(p => p.name == Parameter).parameter;
            using var noGrad = no_grad();
            target.fill_(float.NaN);
            return null;
        }
        var layer = (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == Module).module;
        var value = Value;
        // output·0 + value rather than a fresh tensor: the loss must still reach the weights for the backward pass.
        var hook = layer.register_forward_hook((_, _, output) =>
        {
            using Scalar zero = 0, planted = value;
            return output.mul(zero).add(planted);
        });
        return new Removal(hook.remove);
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
