using System.Globalization;
using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Training.Precision;

/// <summary>A precision a user can choose, as a form or a verb shows it for one model on this device.</summary>
/// <param name="Name">the setting's value ("auto", "fp32", "bf16", "fp16")</param>
/// <param name="Label">what a list shows ("fp16 (emulated on CPU)")</param>
/// <param name="Available">whether a run may ask for it here</param>
/// <param name="ComputesIn">what the run would compute in (null when unavailable)</param>
/// <param name="Note">why it is unavailable, or what to expect; null when there is nothing to say</param>
public sealed record PrecisionChoice(PrecisionMode Mode, string Name, string Label, bool Available, ComputePrecision? ComputesIn, string? Note);

/// <summary>
/// The one place that parses, names, resolves and describes precisions for a model on a device. Every edge (the
/// <c>train</c> verb, the New run form, the API, resume, the estimate) and the trainer itself ask it, so what a
/// form says a run computes in is what the run computes in.
/// </summary>
public sealed class PrecisionPolicy(DeviceCapabilities capabilities)
{
    /// <summary>
    /// On a CPU, <see cref="PrecisionMode.Auto"/> picks bf16 only for models whose decoder is at least this wide.
    /// Below it the matrix products are too small for bf16's faster GEMM to pay for autocast's casts and the float32
    /// islands (norms, attention, loss): measured on a Zen 4 (avx512_bf16) with 2 threads, the <c>tiny</c> model
    /// (decoder 128 wide) trains at the same speed or slower in bf16 (fwd+bwd 171 ms both; optimizer step 300 ms
    /// fp32 vs 350 ms bf16), while a 256-wide decoder gains about 20% (see docs/training.md).
    /// </summary>
    public const int CpuBf16MinWidth = 256;

    public DeviceCapabilities Capabilities => capabilities;

    /// <summary>The setting's names, for usage lines and messages ("auto, fp32, bf16 or fp16").</summary>
    public static string Names => SettingNames.Choices<PrecisionMode>();

    /// <summary>Parses a user's precision; a <see cref="FormatException"/> names the choices.</summary>
    public static PrecisionMode Parse(string? text, string setting = "precision") => SettingNames.Parse<PrecisionMode>(text, setting);

    public static bool TryParse(string? text, out PrecisionMode mode) => SettingNames.TryParse<PrecisionMode>(text, out mode);

    public static string Name(PrecisionMode mode) => SettingNames.Name<PrecisionMode>(mode);

    /// <summary>Why <paramref name="mode"/> cannot run on this device, or null when it can.</summary>
    public string? Unavailable(PrecisionMode mode) => mode switch
    {
        PrecisionMode.Bf16 or PrecisionMode.Fp16 when !capabilities.AutocastAvailable =>
            $"{Name(mode)} needs libtorch's autocast, which is unavailable here ({capabilities.AutocastProblem ?? "its switches did not resolve"}); use fp32.",
        _ => null,
    };

    /// <summary>
    /// What a run of <paramref name="model"/> that asks for <paramref name="mode"/> computes in on this device. Auto is
    /// bf16 autocast where it is faster than fp32 (CUDA, or a CPU with fast bf16 for a decoder at least
    /// <see cref="CpuBf16MinWidth"/> wide), else fp32; never fp16. fp16 is emulated on a CPU.
    /// </summary>
    public ComputePrecision Resolve(PrecisionMode mode, VlmConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Unavailable(mode) is { } problem) throw new InvalidOperationException(problem);
        return mode switch
        {
            PrecisionMode.Fp32 => ComputePrecision.Fp32,
            PrecisionMode.Bf16 => ComputePrecision.Bf16,
            PrecisionMode.Fp16 => capabilities.IsCuda ? ComputePrecision.Fp16 : ComputePrecision.Fp16Emulated,
            PrecisionMode.Auto => AutoPicksBf16(model) ? ComputePrecision.Bf16 : ComputePrecision.Fp32,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
        };
    }

    /// <summary>
    /// Where a run that overflowed in <paramref name="current"/> goes: fp16 → bf16 where bf16 is fast, else fp32;
    /// bf16 → fp32. Null when there is nothing wider.
    /// </summary>
    public ComputePrecision? Wider(ComputePrecision current) => current switch
    {
        ComputePrecision.Fp16 or ComputePrecision.Fp16Emulated => capabilities.Bf16Supported ? ComputePrecision.Bf16 : ComputePrecision.Fp32,
        ComputePrecision.Bf16 => ComputePrecision.Fp32,
        _ => null,
    };

    /// <summary>Every precision as a form lists it for <paramref name="model"/>, auto first, with what each computes in.</summary>
    public IReadOnlyList<PrecisionChoice> Choices(VlmConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. Enum.GetValues<PrecisionMode>().Select(mode => Choice(mode, model))];
    }

    /// <summary>One line per precision saying whether this device runs it, and how fast (for <c>info</c> and the system chip).</summary>
    public IReadOnlyList<(string Name, string Status)> Support()
    {
        if (!capabilities.AutocastAvailable)
        {
            return [("fp32", "available"), ("bf16", "unavailable"), ("fp16", "unavailable")];
        }
        return
        [
            ("fp32", "available"),
            ("bf16", capabilities.Bf16Fast ? "available (fast)" : "available (emulated: slower than fp32)"),
            ("fp16", capabilities.IsCuda ? "available (fast)" : "available (emulated on CPU: very slow, not for training)"),
        ];
    }

    /// <summary><see cref="Support"/> on one line: "fp32 available, bf16 available (fast), ...".</summary>
    public string DescribeSupport() => string.Join(", ", Support().Select(row => $"{row.Name} {row.Status}"));

    private bool AutoPicksBf16(VlmConfig model) =>
        capabilities.Bf16Supported && (capabilities.IsCuda || model.LmHiddenDim >= CpuBf16MinWidth);

    private PrecisionChoice Choice(PrecisionMode mode, VlmConfig model)
    {
        var name = Name(mode);
        if (Unavailable(mode) is { } problem) return new PrecisionChoice(mode, name, name, false, null, problem);
        var computes = Resolve(mode, model);
        return mode switch
        {
            PrecisionMode.Auto => new PrecisionChoice(mode, name, name, true, computes, AutoNote(model, computes)),
            PrecisionMode.Bf16 when !capabilities.Bf16Fast =>
                new PrecisionChoice(mode, name, name, true, computes, "no fast bf16 on this CPU: slower than fp32"),
            PrecisionMode.Fp16 when computes == ComputePrecision.Fp16Emulated =>
                new PrecisionChoice(mode, name, "fp16 (emulated on CPU)", true, computes,
                    "float32 compute rounded through fp16 where a GPU run holds fp16: overflows like a T4 run, slowly"),
            _ => new PrecisionChoice(mode, name, name, true, computes, null),
        };
    }

    private string AutoNote(VlmConfig model, ComputePrecision computes)
    {
        if (computes == ComputePrecision.Bf16)
            return capabilities.IsCuda ? "computes in bf16 on this GPU" : "computes in bf16 here (this CPU has fast bf16)";
        if (!capabilities.Bf16Supported) return "computes in fp32: this device has no fast bf16; never fp16 on a CPU";
        return string.Create(CultureInfo.InvariantCulture,
            $"computes in fp32 for this model: on a CPU, bf16 pays off from a {CpuBf16MinWidth}-wide decoder and this one is {model.LmHiddenDim} wide");
    }
}
