using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Storage;

public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<DataDirectory>();
        services.AddSingleton<AllowedRoots>();
        services.AddHostedService<DataDirectoryLockService>();
        services.AddSingleton<DashboardDatabase>();
        services.AddSingleton<RunStore>();
        services.AddHostedService<InterruptedRunsMarker>();
        services.AddSingleton<MetricWriter>();
        services.AddSingleton<IRunQueries, CurrentRunQueries>();
        services.AddHostedService(provider => provider.GetRequiredService<MetricWriter>());
        return services;
    }
}
