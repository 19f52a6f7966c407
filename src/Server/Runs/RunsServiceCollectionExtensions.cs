using NanoVlm.Client.Services;

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
}
