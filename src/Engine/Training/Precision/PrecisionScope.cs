using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Training.Precision;

/// <summary>
/// Puts the forward pass in a precision until disposed: nothing for fp32, libtorch's autocast for bf16/fp16 (on
/// this thread: autocast state is thread-local), the rounding hooks for emulated fp16; with <c>pins</c>, the pinned
/// modules compute in float32 inside it.
/// </summary>
public static class PrecisionScope
{
    public static IDisposable Enter(ComputePrecision precision, VisionLanguageModel model, bool onCuda, ModulePins? pins = null)
    {
        switch (precision)
        {
            case ComputePrecision.Fp32:
                return NoScope.Instance;
            case ComputePrecision.Fp16Emulated:
                return Fp16Emulation.Attach(model, pins);
            case ComputePrecision.Bf16:
            case ComputePrecision.Fp16:
                var autocast = LibTorchAutocast.TryGet(out var problem)
                    ?? throw new InvalidOperationException(problem ?? "libtorch's autocast is unavailable.");
                var device = onCuda ? LibTorchAutocast.DeviceCuda : LibTorchAutocast.DeviceCpu;
                var dtype = precision == ComputePrecision.Bf16 ? LibTorchAutocast.ScalarBFloat16 : LibTorchAutocast.ScalarHalf;
                var scope = autocast.Enter(device, dtype);
                if (pins is null || pins.IsEmpty) return scope;
                return new Both(PinnedCompute.Attach(model, pins, autocast, device), scope);
            default:
                throw new ArgumentOutOfRangeException(nameof(precision), precision, null);
        }
    }

    /// <summary>Leaves the pins' hooks first, then autocast.</summary>
    private sealed class Both(IDisposable inner, IDisposable outer) : IDisposable
    {
        public void Dispose()
        {
            inner.Dispose();
            outer.Dispose();
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();

        public void Dispose()
        {
        }
    }
}
