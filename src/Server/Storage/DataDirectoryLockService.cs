namespace NanoVlm.Server.Storage;

/// <summary>Takes the data folder's lock before the server accepts requests, so a clash stops start-up.</summary>
public sealed partial class DataDirectoryLockService(DataDirectory dataDirectory, ILogger<DataDirectoryLockService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        dataDirectory.Acquire();
        LogDataFolder(logger, dataDirectory.Root);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        dataDirectory.Dispose();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data folder: {DataDir}")]
    private static partial void LogDataFolder(ILogger logger, string dataDir);
}
