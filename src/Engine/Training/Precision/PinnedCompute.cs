using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Precision;

/// <summary>
/// Float32 islands under libtorch's autocast: while attached, each pinned module's forward runs with autocast switched
/// off on this thread and its floating-point input cast up to float32, so its matrix products read float32 weights and
/// inputs and write a float32 output. The output is left in float32: casting it back to fp16 would bring back the very
/// overflow the pin is for, and the next autocast operation casts its own input down where fp16 is safe (the residual
/// stream it usually joins is float32 anyway).
/// </summary>
/// <remarks>
/// Autocast state is thread-local: attach on the thread that runs the forward pass, inside the autocast scope. Under
/// the CPU's fp16 emulation the same pins are honoured by <see cref="Fp16Emulation"/> leaving the modules unrounded.
/// </remarks>
public static class PinnedCompute
{
    public static IDisposable Attach(VisionLanguageModel model, ModulePins pins, LibTorchAutocast autocast, sbyte device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(autocast);
        if (pins.IsEmpty) return new HookSet([]);
        var outermost = pins.Outermost.ToHashSet(StringComparer.Ordinal);
        // Each forward of a pinned module pushes autocast's state on entry and pops it on exit, so a pinned module
        // called inside another's forward (or twice) restores exactly what it found.
        var saved = new Stack<bool>();
        var removers = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (!outermost.Contains(name) || module is not nn.Module<Tensor, Tensor> layer) continue;
            removers.Add(layer.register_forward_pre_hook((_, input) =>
            {
                saved.Push(autocast.IsEnabledOn(device));
                autocast.SetEnabledOn(device, false);
                return input.is_floating_point() && input.dtype != ScalarType.Float32 ? input.to(ScalarType.Float32) : input;
            }).remove);
            removers.Add(layer.register_forward_hook((_, _, output) =>
            {
                if (saved.Count > 0) autocast.SetEnabledOn(device, saved.Pop());
                return output;
            }).remove);
        }
        return new HookSet(removers);
    }
}
