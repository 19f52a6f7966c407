using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Training;

/// <summary>
/// What the training device can do: the facts <see cref="Precision.PrecisionPolicy"/> resolves precisions from.
/// </summary>
/// <param name="IsCuda">the device is a CUDA GPU (fp16 and bf16 autocast run natively)</param>
/// <param name="AutocastAvailable">libtorch's autocast switches resolved (see <see cref="LibTorchAutocast"/>)</param>
/// <param name="Bf16Fast">bf16 matrix products are accelerated (CUDA, avx512_bf16, AMX)</param>
/// <param name="AutocastProblem">why autocast is unavailable, when it is</param>
public sealed record DeviceCapabilities(bool IsCuda, bool AutocastAvailable, bool Bf16Fast, string? AutocastProblem = null)
{
    /// <summary>bf16 autocast can be used and pays off here.</summary>
    public bool Bf16Supported => AutocastAvailable && Bf16Fast;

    public static DeviceCapabilities Detect(EngineDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var autocast = LibTorchAutocast.TryGet(out var problem);
        return new DeviceCapabilities(device.IsCuda, autocast is not null, device.IsCuda || CpuFeatures.Detect().FastBf16, problem);
    }

    /// <summary>The capabilities an already detected runtime reports.</summary>
    public static DeviceCapabilities Of(TorchRuntimeInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new DeviceCapabilities(info.Device.StartsWith("cuda", StringComparison.Ordinal), info.AutocastAvailable, info.Bf16Fast, info.AutocastProblem);
    }
}
