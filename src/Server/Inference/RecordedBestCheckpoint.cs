using System.Text.Json;
using NanoVlm.Engine.Training.Checkpoints;

namespace NanoVlm.Server.Inference;

/// <summary>
/// Which checkpoint a run keeps as its best: the trainer records it in every checkpoint's trainer_state.json
/// (<see cref="TrainerState.Best"/>), so the newest checkpoint of a run says which one it is.
/// </summary>
public static class RecordedBestCheckpoint
{
    /// <summary>The folder name ("step_000400") of the best checkpoint as recorded in this checkpoint; null when none is recorded or the file cannot be read.</summary>
    public static string? NameIn(string checkpointDirectory)
    {
        var file = Path.Combine(checkpointDirectory, CheckpointStore.StateFileName);
        try
        {
            // Only "best.name" is needed: read it without binding the whole state (its config is large and versioned).
            using var stream = File.OpenRead(file);
            using var state = JsonDocument.Parse(stream);
            return state.RootElement.ValueKind == JsonValueKind.Object
                   && state.RootElement.TryGetProperty("best", out var best) && best.ValueKind == JsonValueKind.Object
                   && best.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // Being written, deleted by retention meanwhile, or damaged: no checkpoint is marked rather than a failing list.
            return null;
        }
    }
}
