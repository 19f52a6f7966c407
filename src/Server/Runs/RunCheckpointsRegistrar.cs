using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Runs;

/// <summary>On start-up, every recorded run's checkpoints become selectable in the playground again.</summary>
public sealed class RunCheckpointsRegistrar(RunStore store, ModelCatalog catalog) : IHostedService
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
            foreach (var checkpoint in new CheckpointStore(directory).List())
            {
                try
                {
                    catalog.RegisterCheckpoint(checkpoint.Path, $"{run.Name} · step {checkpoint.Step}", $"run {run.Id}");
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
}
