using NanoVlm.Client.Services;

namespace NanoVlm.Server.Monitoring;

public static class MonitoringServiceCollectionExtensions
{
    /// <summary>The run page's system panel: process CPU and memory, and GPU memory where there is one.</summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services)
    {
        services.AddSingleton<NvmlDeviceMemory>();
        services.AddSingleton<ProcessMetricsSampler>();
        services.AddSingleton<ISystemMetricsProvider>(provider => provider.GetRequiredService<ProcessMetricsSampler>());
        return services;
    }
}
