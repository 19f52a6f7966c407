using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Runs;

/// <summary>
/// On start-up, every recorded run's checkpoints become selectable in the playground again, and what a killed
/// process left of an unfinished checkpoint write (hidden staging folders, never listed) is removed. No run is
/// training yet at this point, so nothing being written can be mistaken for a leftover.
/// </summary>
public sealed partial class RunCheckpointsRegistrar(RunStore store, ModelCatalog catalog, ILogger<RunCheckpointsRegistrar> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var run in store.ListRuns())
        {
            var document = store.GetDocument(run.Id);
            var directory = string.IsNullOrEmpty(document?.OutputDirectory) ? null : Path.Combine(document.OutputDirectory, RunFiles.CheckpointsFolder);
            if (directory is null || !Directory.Exists(directory))
            {
                continue;
            }
            var checkpoints = new CheckpointStore(directory);
            try
            {
                if (checkpoints.RemoveAbandonedWrites() is { Count: > 0 } removed)
                {
                    LogLeftoversRemoved(logger, run.Id, removed);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogLeftoversKept(logger, run.Id, e.Message);
            }
            foreach (var checkpoint in checkpoints.List())
            {
                try
                {
                    catalog.RegisterRunCheckpoint(checkpoint.Path, run.Id, run.Name, checkpoint.Step);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or Engine.Model.InvalidVlmConfigException)
                {
                    // A damaged checkpoint is simply not offered; the run page still lists the run.
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: removed the leftovers of interrupted checkpoint writes: {Folders}")]
    private static partial void LogLeftoversRemoved(ILogger logger, string runId, IReadOnlyList<string> folders);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: could not remove the leftovers of interrupted checkpoint writes ({Reason}); they are ignored")]
    private static partial void LogLeftoversKept(ILogger logger, string runId, string reason);
}
