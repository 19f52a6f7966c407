namespace NanoVlm.Engine.Training.Checkpoints;

/// <summary>
/// A checkpoint could not be written (disk full, folder removed or made read-only). The message names the folder,
/// the reason and the fix; the checkpoints already in the folder are untouched (writes go to a hidden staging folder).
/// </summary>
public sealed class CheckpointWriteException : IOException
{
    public CheckpointWriteException(string checkpointName, string directory, string? latestIntact, Exception inner)
        : base(Describe(checkpointName, directory, latestIntact, inner), inner)
    {
        CheckpointName = checkpointName;
        Directory = directory;
        LatestIntact = latestIntact;
    }

    public CheckpointWriteException()
    {
    }

    public CheckpointWriteException(string message)
        : base(message)
    {
    }

    public CheckpointWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string CheckpointName { get; } = "";

    public string Directory { get; } = "";

    /// <summary>The newest complete checkpoint, which a resume continues from; null when there is none.</summary>
    public string? LatestIntact { get; }

    private static string Describe(string checkpointName, string directory, string? latestIntact, Exception inner) =>
        $"Could not write checkpoint {checkpointName} to '{directory}': {inner?.Message} " +
        (latestIntact is null ? "No earlier checkpoint exists. " : $"Checkpoints already written are intact (latest: {latestIntact}). ") +
        "Free space on the disk that holds this folder, or make it writable again, then resume the run from its last checkpoint.";
}
