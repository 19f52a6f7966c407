using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Runs;

/// <summary>Where each run's files live: data folder/runs/RUN_ID (run.json, metrics.jsonl, events.jsonl, checkpoints/).</summary>
public sealed class RunFolders(DataDirectory dataDirectory)
{
    public string Root => Path.Combine(dataDirectory.Root, "runs");

    public string Of(string runId) => Path.Combine(Root, runId);
}
