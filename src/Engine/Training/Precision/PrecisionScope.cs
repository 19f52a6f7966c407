using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Training.Precision;

/// <summary>
/// Puts the forward pass in a precision until disposed: nothing for fp32, libtorch's autocast for bf16/fp16 (on
/// this thread: autocast state is thread-local), the rounding hooks for emulated fp16.
/// </summary>
public static class PrecisionScope
{
    public static IDisposable Enter(ComputePrecision precision, VisionLanguageModel model, bool onCuda)
    {
        switch (precision)
        {
            case ComputePrecision.Fp32:
                return NoScope.Instance;
            case ComputePrecision.Fp16Emulated:
                return Fp16Emulation.Attach(model);
            case ComputePrecision.Bf16:
            case ComputePrecision.Fp16:
                var autocast = LibTorchAutocast.TryGet(out var problem)
                    ?? throw new InvalidOperationException(problem ?? "libtorch's autocast is unavailable.");
                var device = onCuda ? LibTorchAutocast.DeviceCuda : LibTorchAutocast.DeviceCpu;
                var dtype = precision == ComputePrecision.Bf16 ? LibTorchAutocast.ScalarBFloat16 : LibTorchAutocast.ScalarHalf;
                return autocast.Enter(device, dtype);
            default:
                throw new ArgumentOutOfRangeException(nameof(precision), precision, null);
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
