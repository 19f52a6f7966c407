using NanoVlm.Engine.Runtime;
using TorchSharp;

namespace NanoVlm.Engine.Tests;

public sealed class RuntimeTests
{
    [Fact]
    public void DetectReportsRealVersionsAndCpuDevice()
    {
        var info = TorchRuntimeInfo.Detect(EngineDevice.Resolve("cpu"));
        Assert.Equal("cpu", info.Device);
        Assert.StartsWith("0.107", info.TorchSharpVersion, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+", info.LibTorchVersion);
        Assert.True(info.Threads >= 1);
    }

    [Fact]
    public void CpuFlagsAreParsed()
    {
        var cpu = CpuFeatures.FromCpuInfo(" fpu avx2 avx512f avx512_bf16 sse");
        Assert.True(cpu.Avx512Bf16);
        Assert.True(cpu.FastBf16);
        Assert.Equal("avx2 avx512f avx512_bf16", cpu.Summary);
        Assert.False(CpuFeatures.FromCpuInfo("fpu sse avx2").FastBf16);
    }

    [Fact]
    public void UnknownDeviceSettingIsRejectedWithTheAcceptedValues()
    {
        var error = Assert.Throws<ArgumentException>(() => EngineDevice.Resolve("tpu"));
        Assert.Contains("\"cpu\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bf16AutocastMakesMatmulProduceBf16AndScopeRestoresState()
    {
        var autocast = LibTorchAutocast.TryGet(out var problem);
        Assert.True(autocast is not null, problem);
        using var a = torch.randn(8, 8);
        using var b = torch.randn(8, 8);
        using (autocast.Enter(LibTorchAutocast.DeviceCpu, LibTorchAutocast.ScalarBFloat16))
        {
            Assert.True(autocast.IsEnabledOn(LibTorchAutocast.DeviceCpu));
            using var inside = torch.matmul(a, b);
            Assert.Equal(torch.ScalarType.BFloat16, inside.dtype);
        }
        Assert.False(autocast.IsEnabledOn(LibTorchAutocast.DeviceCpu));
        using var outside = torch.matmul(a, b);
        Assert.Equal(torch.ScalarType.Float32, outside.dtype);
    }
}
