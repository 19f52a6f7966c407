using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Engine;

public static class EngineServiceCollectionExtensions
{
    public static IServiceCollection AddEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EngineOptions>().Bind(configuration.GetSection(EngineOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EngineOptions>, EngineOptionsValidator>();
        services.AddSingleton<EngineRuntime>();
        services.AddSingleton<ISystemSummaryProvider>(provider => provider.GetRequiredService<EngineRuntime>());
        return services;
    }
}
