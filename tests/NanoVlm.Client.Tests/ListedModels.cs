using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>
/// A model registry in memory that, like the server's, drops a model once its checkpoint is deleted and then refuses
/// to show its configuration, saying why.
/// </summary>
public sealed class ListedModels(params ModelChoice[] models) : IModelRegistry
{
    public List<ModelChoice> All { get; } = [.. models];

    public List<string> Deleted { get; } = [];

    public IReadOnlyList<ModelChoice> Models() => [.. All.Where(m => !Deleted.Contains(m.Id))];

    public ModelChoice RegisterCheckpoint(string directory, string? name) => throw new PlaygroundException("Not in this test.");

    public Task<ModelChoice> ImportBackbonesAsync(string visionDirectory, string languageDirectory, string name, CancellationToken cancellationToken) =>
        throw new PlaygroundException("Not in this test.");

    public string ConfigurationJson(string modelId) => Deleted.Contains(modelId)
        ? throw new PlaygroundException($"The checkpoint '{modelId}' no longer exists: its folder was deleted.")
        : "{ \"vit_img_size\": 64 }";

    /// <summary>A checkpoint run <paramref name="runId"/> wrote at <paramref name="step"/>, as the catalog lists it.</summary>
    public static ModelChoice RunCheckpoint(string runId, string runName, int step, bool best = false)
    {
        var directory = $"/data/runs/{runId}/checkpoints/step_{step:D6}";
        return new ModelChoice(ModelIds.CheckpointPrefix + directory, $"{runName} · step {step}", $"run {runId}", 3_200_000)
        {
            Directory = directory,
            Run = new RunCheckpointOrigin(runId, runName, step),
            IsBest = best,
        };
    }
}
