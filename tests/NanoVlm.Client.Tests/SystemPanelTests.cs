using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Runs;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>The run page's system panel over a provider that hands out prepared samples in turn.</summary>
public sealed class SystemPanelTests : IAsyncDisposable
{
    private const long MiB = 1L << 20;
    private readonly BunitContext _context = new();

    public SystemPanelTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void ShowsCpuAndTheThreeMemoriesAndSaysCpuOnlyWithoutAGpu()
    {
        _context.Services.AddSingleton<ISystemMetricsProvider>(new Samples(CpuOnly(37.4)));
        var panel = _context.Render<SystemPanel>();
        Assert.Equal("CPU 37% of 2 cores", panel.Find("[data-testid=system-cpu]").TextContent.Trim());
        var memory = panel.Find("[data-testid=system-memory]").TextContent;
        Assert.Contains("memory 1.5 GiB", memory, StringComparison.Ordinal);
        Assert.Contains(".NET 96 MiB", memory, StringComparison.Ordinal);
        Assert.Contains("native 1.2 GiB", memory, StringComparison.Ordinal);
        Assert.Contains("CPU only", panel.Find("[data-testid=system-device]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowsTheGpuMemoryOrWhyItCannotBeRead()
    {
        var gpu = CpuOnly(80) with { Device = new DeviceMemory("cuda:0", "NVIDIA H200", 3 * 1024 * MiB, 140 * 1024 * MiB, null) };
        _context.Services.AddSingleton<ISystemMetricsProvider>(new Samples(gpu));
        Assert.Equal("NVIDIA H200: 3.0 GiB of 140.0 GiB used", _context.Render<SystemPanel>().Find("[data-testid=system-device]").TextContent.Trim());

        await using var other = new BunitContext();
        other.JSInterop.Mode = JSRuntimeMode.Loose;
        other.Services.AddMudServices();
        other.Services.AddSingleton<ISystemMetricsProvider>(new Samples(gpu with { Device = new DeviceMemory("cuda:1", null, null, null, "NVML has no device 1 (error 2)") }));
        Assert.Contains("cuda:1: memory not readable (NVML has no device 1", other.Render<SystemPanel>().Find("[data-testid=system-device]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void RefreshesWhileShown()
    {
        var samples = new Samples(CpuOnly(10), CpuOnly(55));
        _context.Services.AddSingleton<ISystemMetricsProvider>(samples);
        var panel = _context.Render<SystemPanel>(parameters => parameters.Add(p => p.RefreshInterval, TimeSpan.FromMilliseconds(50)));
        panel.WaitForAssertion(() => Assert.Equal("CPU 55% of 2 cores", panel.Find("[data-testid=system-cpu]").TextContent.Trim()), TimeSpan.FromSeconds(30));
        Assert.True(samples.Taken >= 2);
    }

    internal static SystemMetrics CpuOnly(double cpuPercent) =>
        new(DateTimeOffset.UtcNow, cpuPercent, 2, 1536 * MiB, 96 * MiB, 1229 * MiB, null);

    /// <summary>Hands out the given samples in order, then keeps repeating the last.</summary>
    internal sealed class Samples(params SystemMetrics[] samples) : ISystemMetricsProvider
    {
        private int _taken;

        public int Taken => Volatile.Read(ref _taken);

        public SystemMetrics Sample() => samples[Math.Min(Interlocked.Increment(ref _taken), samples.Length) - 1];
    }
}
