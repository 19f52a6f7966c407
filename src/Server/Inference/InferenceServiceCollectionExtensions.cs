using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Server.Evaluation;
using NanoVlm.Server.Playground;

namespace NanoVlm.Server.Inference;

public static class InferenceServiceCollectionExtensions
{
    public static IServiceCollection AddInference(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InferenceOptions>().Bind(configuration.GetSection(InferenceOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<InferenceOptions>, InferenceOptionsValidator>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<IModelRegistry>(provider => provider.GetRequiredService<ModelRegistry>());
        services.AddHostedService<RegisteredModelsRestorer>();
        services.AddSingleton<ModelCache>();
        services.AddSingleton<InferenceWorker>();
        services.AddSingleton<UploadStore>();
        services.AddSingleton<PlaygroundService>();
        services.AddSingleton<IPlayground>(provider => provider.GetRequiredService<PlaygroundService>());
        services.AddSingleton<EvaluationDatasets>();
        services.AddSingleton<BatchEvaluationService>();
        services.AddSingleton<IBatchEvaluations>(provider => provider.GetRequiredService<BatchEvaluationService>());
        return services;
    }
}
