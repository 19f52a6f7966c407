using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Training;

/// <summary>The precision a user asks for (<c>--precision</c>); parsed, named and resolved by <see cref="Precision.PrecisionPolicy"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PrecisionMode>))]
public enum PrecisionMode
{
    /// <summary>bf16 autocast where it is faster than fp32 for the model, else fp32 (the rule: <see cref="Precision.PrecisionPolicy.Resolve"/>).</summary>
    [JsonStringEnumMemberName("auto")] Auto,
    [JsonStringEnumMemberName("fp32")] Fp32,
    [JsonStringEnumMemberName("bf16")] Bf16,
    [JsonStringEnumMemberName("fp16")] Fp16,
}

/// <summary>What a run actually computes in, after resolving <see cref="PrecisionMode.Auto"/> and the device.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ComputePrecision>))]
public enum ComputePrecision
{
    [JsonStringEnumMemberName("fp32")] Fp32,

    /// <summary>libtorch's bf16 autocast.</summary>
    [JsonStringEnumMemberName("bf16")] Bf16,

    /// <summary>libtorch's fp16 autocast (CUDA).</summary>
    [JsonStringEnumMemberName("fp16")] Fp16,

    /// <summary>
    /// fp16 rehearsed on a CPU: float32 compute with values rounded through float16 where an fp16 autocast run holds
    /// fp16 tensors (see <see cref="Precision.Fp16Emulation"/>).
    /// </summary>
    [JsonStringEnumMemberName("fp16-emulated")] Fp16Emulated,
}

public static class ComputePrecisionExtensions
{
    /// <summary>Uses a float16 range (65504), so needs loss scaling and can overflow.</summary>
    public static bool IsFp16(this ComputePrecision precision) => precision is ComputePrecision.Fp16 or ComputePrecision.Fp16Emulated;

    /// <summary>The short label used in events and metrics ("fp32", "bf16", "fp16", "fp16-emulated"), as in JSON.</summary>
    public static string Label(this ComputePrecision precision) => SettingNames.Name<ComputePrecision>(precision);
}
