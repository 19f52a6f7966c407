using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Server.Monitoring;

namespace NanoVlm.Server.Tests;

/// <summary>The system panel's sampler over this very process.</summary>
public sealed class SystemMetricsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task SamplesThisProcessAndSaysCpuOnlyWithoutAGpu()
    {
        var provider = factory.Services.GetRequiredService<ISystemMetricsProvider>();
        var first = provider.Sample();
        Assert.InRange(first.CpuPercent, 0, 100);
        Assert.Equal(Environment.ProcessorCount, first.LogicalCores);
        Assert.True(first.WorkingSetBytes > 50L << 20, $"working set {first.WorkingSetBytes}"); // the runtime and libtorch alone
        Assert.True(first.ManagedHeapBytes > 0);
        Assert.InRange(first.NativeHeapBytes, 0, first.WorkingSetBytes);
        Assert.Null(first.Device); // the engine runs on the CPU here (TorchSharp-cpu)

        // Tabs asking within the minimum interval share one reading; after it, a new one is taken.
        await Task.Delay(ProcessMetricsSampler.MinInterval + TimeSpan.FromMilliseconds(100));
        var second = provider.Sample();
        Assert.NotSame(first, second);
        Assert.True(second.Time > first.Time);
    }

    [Fact]
    public void ResidentAnonymousMemoryIsReadOnLinux()
    {
        var bytes = ProcessMetricsSampler.ReadResidentAnonymousBytes();
        if (OperatingSystem.IsLinux())
        {
            Assert.NotNull(bytes);
            Assert.True(bytes > GC.GetTotalMemory(forceFullCollection: false), "anonymous memory holds the .NET heap");
        }
        else
        {
            Assert.Null(bytes);
        }
    }

    [Fact]
    public void GpuMemoryIsReadOrTheReasonGiven()
    {
        var memory = new NvmlDeviceMemory().Read("cuda:0");
        Assert.Equal("cuda:0", memory.Device);
        if (File.Exists("/proc/driver/nvidia/version"))
        {
            Assert.Null(memory.Problem);
            Assert.InRange(memory.UsedBytes!.Value, 0, memory.TotalBytes!.Value);
        }
        else
        {
            // No NVIDIA driver on this machine: the panel says why instead of showing numbers.
            Assert.Null(memory.UsedBytes);
            Assert.Contains("libnvidia-ml", memory.Problem, StringComparison.Ordinal);
        }
    }
}
