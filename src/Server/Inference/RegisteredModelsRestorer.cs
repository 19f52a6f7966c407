namespace NanoVlm.Server.Inference;

/// <summary>Registers the remembered models in the catalog when the server starts.</summary>
public sealed class RegisteredModelsRestorer(ModelRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        registry.RestoreRegistered();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
