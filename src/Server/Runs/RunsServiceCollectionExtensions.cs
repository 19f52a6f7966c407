using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Runs;

public static class RunsServiceCollectionExtensions
{
    public static IServiceCollection AddTrainingRuns(this IServiceCollection services)
    {
        services.AddSingleton<RunFolders>();
        services.AddSingleton<TrainingRunService>();
        services.AddHostedService(provider => provider.GetRequiredService<TrainingRunService>());
        services.AddHostedService<RunCheckpointsRegistrar>();
        services.AddSingleton<ModelSources>();
        services.AddSingleton<RunLauncher>();
        services.AddSingleton<IRunLauncher>(provider => provider.GetRequiredService<RunLauncher>());
        return services;
    }

    /// <summary>The PyTorch engine's settings (the "Engines" section, checked at start) and what of it is installed.</summary>
    public static IServiceCollection AddExternalEngines(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExternalEnginesOptions>().Bind(configuration.GetSection(ExternalEnginesOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExternalEnginesOptions>, ExternalEnginesOptionsValidator>();
        services.AddSingleton<ExternalEngineAvailability>();
        return services;
    }
}
