using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Training;

/// <summary>What the training device can do, which decides how precisions resolve and what recovery switches to.</summary>
/// <param name="IsCuda">the device is a CUDA GPU (fp16 and bf16 autocast run natively)</param>
/// <param name="AutocastAvailable">libtorch's autocast switches resolved (see <see cref="LibTorchAutocast"/>)</param>
/// <param name="Bf16Fast">bf16 matrix products are accelerated (CUDA, avx512_bf16, AMX)</param>
public sealed record DeviceCapabilities(bool IsCuda, bool AutocastAvailable, bool Bf16Fast)
{
    /// <summary>bf16 autocast can be used at all here.</summary>
    public bool Bf16Supported => AutocastAvailable && Bf16Fast;

    public static DeviceCapabilities Detect(EngineDevice device)
    {
        var autocast = LibTorchAutocast.TryGet(out _);
        return new DeviceCapabilities(device.IsCuda, autocast is not null, device.IsCuda || CpuFeatures.Detect().FastBf16);
    }

    /// <summary>
    /// On a CPU, <see cref="PrecisionMode.Auto"/> picks bf16 only for models whose decoder is at least this wide.
    /// Below it the matrix products are too small for bf16's faster GEMM to pay for autocast's casts and the float32
    /// islands (norms, attention, loss): measured on a Zen 4 (avx512_bf16) with 2 threads, the <c>tiny</c> model
    /// (decoder 128 wide) trains at the same speed or slower in bf16 (fwd+bwd 171 ms both; optimizer step 300 ms
    /// fp32 vs 350 ms bf16), while a 256-wide decoder gains about 20% (see docs/training.md).
    /// </summary>
    public const int CpuBf16MinWidth = 256;

    /// <summary>
    /// The precision a requested mode runs in on this device (for <see cref="PrecisionMode.Auto"/>, for this
    /// <paramref name="model"/> when given: see <see cref="CpuBf16MinWidth"/>).
    /// </summary>
    public ComputePrecision Resolve(PrecisionMode mode, VlmConfig? model = null) => mode switch
    {
        PrecisionMode.Fp32 => ComputePrecision.Fp32,
        PrecisionMode.Bf16 when !AutocastAvailable =>
            throw new InvalidOperationException("bf16 was requested but libtorch's autocast is unavailable here; use fp32."),
        PrecisionMode.Bf16 => ComputePrecision.Bf16,
        PrecisionMode.Fp16 => IsCuda && AutocastAvailable ? ComputePrecision.Fp16 : ComputePrecision.Fp16Emulated,
        PrecisionMode.Auto => Bf16Supported && (IsCuda || model is null || model.LmHiddenDim >= CpuBf16MinWidth)
            ? ComputePrecision.Bf16
            : ComputePrecision.Fp32,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>
    /// Where a run that overflowed in <paramref name="current"/> goes: fp16 → bf16 where supported, else fp32
    /// (bf16 → fp32). Null when there is nothing wider to switch to.
    /// </summary>
    public ComputePrecision? Wider(ComputePrecision current) => current switch
    {
        ComputePrecision.Fp16 or ComputePrecision.Fp16Emulated => Bf16Supported ? ComputePrecision.Bf16 : ComputePrecision.Fp32,
        ComputePrecision.Bf16 => ComputePrecision.Fp32,
        _ => null,
    };
}
