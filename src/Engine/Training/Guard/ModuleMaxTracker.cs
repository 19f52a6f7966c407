using NanoVlm.Engine.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>
/// Keeps the largest |output| of a few named modules over a step's forward passes, on the device: one float32 value per
/// module, folded with <c>maximum</c> call after call and micro-batch after micro-batch, so that reading it adds nothing
/// to the sync the step does anyway for its loss and gradient norm. NaN propagates, so a module that went non-finite
/// reads as NaN or ∞.
/// </summary>
/// <remarks>
/// <see cref="Begin"/> makes the running maxima in the caller's (the step's) dispose scope; hooks are attached per
/// forward pass with <see cref="Watch"/> and update them in place.
/// </remarks>
public sealed class ModuleMaxTracker
{
    private readonly string[] _modules;
    private Tensor? _maxima;

    public ModuleMaxTracker(IReadOnlyList<string> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        _modules = [.. modules];
    }

    public IReadOnlyList<string> Modules => _modules;

    /// <summary>Starts a step: [modules] zeros on the device, in the current dispose scope.</summary>
    public void Begin(Device device) => _maxima = _modules.Length == 0 ? null : zeros(_modules.Length, dtype: ScalarType.Float32, device: device);

    /// <summary>Watches the modules during one forward pass until disposed.</summary>
    public IDisposable Watch(VisionLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var removers = new List<Action>();
        if (_maxima is null) return new Removal(removers);
        foreach (var (name, module) in model.named_modules())
        {
            var index = Array.IndexOf(_modules, name);
            if (index < 0 || module is not nn.Module<Tensor, Tensor> observed) continue;
            removers.Add(observed.register_forward_hook((_, _, output) =>
            {
                Fold(index, output);
                return output;
            }).remove);
        }
        return new Removal(removers);
    }

    /// <summary>[modules] float32 on the device, for the step's one sync; null when nothing is tracked.</summary>
    public Tensor? Maxima => _maxima;

    private void Fold(int index, Tensor output)
    {
        if (_maxima is null || output.numel() == 0) return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = output.detach();
        var value = maximum(values.max().abs(), values.min().abs()).to(ScalarType.Float32).reshape(1); // [1] max |a| without an abs() copy
        var slot = _maxima.narrow(0, index, 1);                                                           // [1] view
        slot.copy_(maximum(slot, value));
    }

    private sealed class Removal(IReadOnlyList<Action> removers) : IDisposable
    {
        public void Dispose()
        {
            foreach (var remove in removers) remove();
        }
    }
}
