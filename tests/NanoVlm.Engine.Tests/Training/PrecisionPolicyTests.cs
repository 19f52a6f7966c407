using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Precision;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>The one home of precision rules, and of setting names, checked on every device kind it distinguishes.</summary>
public sealed class PrecisionPolicyTests
{
    private static readonly PrecisionPolicy FastBf16Cpu = new(new DeviceCapabilities(IsCuda: false, AutocastAvailable: true, Bf16Fast: true));
    private static readonly PrecisionPolicy SlowBf16Cpu = new(new DeviceCapabilities(IsCuda: false, AutocastAvailable: true, Bf16Fast: false));
    private static readonly PrecisionPolicy Gpu = new(new DeviceCapabilities(IsCuda: true, AutocastAvailable: true, Bf16Fast: true));
    private static readonly PrecisionPolicy NoAutocast = new(new DeviceCapabilities(IsCuda: false, AutocastAvailable: false, Bf16Fast: true, "symbols missing"));

    private static readonly VlmConfig Narrow = ModelPresets.Tiny();  // 128-wide decoder
    private static readonly VlmConfig Wide = ModelPresets.Small();   // 384-wide decoder

    [Fact]
    public void Auto_picks_bf16_only_where_it_pays_off_for_the_model_and_never_fp16()
    {
        Assert.Equal(ComputePrecision.Fp32, FastBf16Cpu.Resolve(PrecisionMode.Auto, Narrow));
        Assert.Equal(ComputePrecision.Bf16, FastBf16Cpu.Resolve(PrecisionMode.Auto, Wide));
        Assert.Equal(ComputePrecision.Fp32, SlowBf16Cpu.Resolve(PrecisionMode.Auto, Wide));
        Assert.Equal(ComputePrecision.Bf16, Gpu.Resolve(PrecisionMode.Auto, Narrow));
        Assert.Equal(ComputePrecision.Fp32, NoAutocast.Resolve(PrecisionMode.Auto, Wide));
    }

    [Fact]
    public void Explicit_precisions_are_what_runs_with_fp16_emulated_on_a_cpu()
    {
        Assert.Equal(ComputePrecision.Bf16, SlowBf16Cpu.Resolve(PrecisionMode.Bf16, Narrow));
        Assert.Equal(ComputePrecision.Fp16Emulated, FastBf16Cpu.Resolve(PrecisionMode.Fp16, Narrow));
        Assert.Equal(ComputePrecision.Fp16, Gpu.Resolve(PrecisionMode.Fp16, Narrow));
        var refused = Assert.Throws<InvalidOperationException>(() => NoAutocast.Resolve(PrecisionMode.Bf16, Narrow));
        Assert.Contains("symbols missing", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_choices_say_what_each_precision_computes_in_for_the_model()
    {
        var narrow = FastBf16Cpu.Choices(Narrow);
        Assert.Equal(["auto", "fp32", "bf16", "fp16"], narrow.Select(c => c.Name));
        var auto = narrow[0];
        Assert.Equal(ComputePrecision.Fp32, auto.ComputesIn);
        Assert.Contains("computes in fp32", auto.Note, StringComparison.Ordinal);
        Assert.Contains("128 wide", auto.Note, StringComparison.Ordinal);
        Assert.Contains("computes in bf16", FastBf16Cpu.Choices(Wide)[0].Note, StringComparison.Ordinal);
        Assert.Equal("fp16 (emulated on CPU)", narrow[3].Label);
        Assert.All(NoAutocast.Choices(Narrow).Where(c => c.Name is "bf16" or "fp16"), c => Assert.False(c.Available));
    }

    [Fact]
    public void Recovery_widens_fp16_to_bf16_only_where_bf16_is_fast()
    {
        Assert.Equal(ComputePrecision.Bf16, FastBf16Cpu.Wider(ComputePrecision.Fp16Emulated));
        Assert.Equal(ComputePrecision.Fp32, SlowBf16Cpu.Wider(ComputePrecision.Fp16Emulated));
        Assert.Equal(ComputePrecision.Fp32, Gpu.Wider(ComputePrecision.Bf16));
        Assert.Null(Gpu.Wider(ComputePrecision.Fp32));
    }

    [Theory]
    [InlineData("bf16", PrecisionMode.Bf16)]
    [InlineData(" FP16 ", PrecisionMode.Fp16)]
    [InlineData("Auto", PrecisionMode.Auto)]
    public void Names_parse_case_insensitively_and_print_as_json_writes_them(string text, PrecisionMode expected)
    {
        Assert.Equal(expected, PrecisionPolicy.Parse(text));
        Assert.Equal(text.Trim().ToLowerInvariant(), PrecisionPolicy.Name(expected));
    }

    [Fact]
    public void A_bad_name_is_refused_with_the_choices()
    {
        var refused = Assert.Throws<FormatException>(() => PrecisionPolicy.Parse("fp8", "--precision"));
        Assert.Equal("--precision must be auto, fp32, bf16 or fp16; got 'fp8'.", refused.Message);
        Assert.Equal("stop, skip, recover or pin", SettingNames.Choices<NanPolicy>());
        Assert.Equal(NanPolicy.Pin, SettingNames.Parse<NanPolicy>("pin", "nan_policy"));
        Assert.Equal(NanPolicy.Skip, SettingNames.Parse<NanPolicy>("skip", "nan_policy"));
        Assert.Equal("fp16-emulated", ComputePrecision.Fp16Emulated.Label());
    }

    [Fact]
    public void Equal_anls_goes_to_the_lower_validation_loss()
    {
        var untrained = new BestCheckpoint("anls", 0, 0, "step_000000", ValLoss: 10.7);
        Assert.True(untrained.IsBeatenBy("anls", 0, valLoss: 2.1));
        Assert.False(untrained.IsBeatenBy("anls", 0, valLoss: 11.0));
        Assert.True(untrained.IsBeatenBy("anls", 0.1, valLoss: 12.0));
        Assert.False(new BestCheckpoint("anls", 0.5, 10, "step_000010").IsBeatenBy("anls", 0.4, valLoss: 0.1));
        Assert.True(new BestCheckpoint("val_loss", 2, 10, "step_000010").IsBeatenBy("val_loss", 1.5, valLoss: 1.5));
    }
}
