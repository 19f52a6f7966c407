using NanoVlm.Client.Services;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;

namespace NanoVlm.Server.Inference;

/// <summary>
/// The models users can pick: the presets (random weights, for trying the pipeline) and checkpoint folders
/// (from runs and imports, registered as they appear). Ids are "preset:NAME" or "checkpoint:FULLPATH".
/// </summary>
/// <remarks>
/// The list follows the disk: a checkpoint whose folder is gone (checkpoint retention deleted it, or a person did)
/// leaves the list the next time it is read, and asking for it says that it is gone. Run checkpoints sort by run
/// (newest run first), then by step as a number, and the run's best checkpoint is marked.
/// </remarks>
public sealed class ModelCatalog
{
    public const string PresetPrefix = ModelIds.PresetPrefix;
    public const string CheckpointPrefix = ModelIds.CheckpointPrefix;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _checkpoints = [];

    /// <param name="NamedByUser">registered or imported by a person: that name wins over the one a run would give it</param>
    private sealed record Entry(ModelChoice Choice, bool NamedByUser);

    public IReadOnlyList<ModelChoice> List()
    {
        var presets = ModelPresets.Names.Select(name => new ModelChoice(PresetPrefix + name, name, "preset (random weights)",
            ParameterCount.Of(ModelPresets.Get(name, VlmLoader.BuiltInBaseVocabSize)).Total));
        List<ModelChoice> checkpoints;
        lock (_gate)
        {
            foreach (var gone in _checkpoints.Values.Where(e => !IsPresent(e.Choice.Directory!)).ToList())
            {
                _checkpoints.Remove(gone.Choice.Id);
            }
            checkpoints = [.. _checkpoints.Values.Select(e => e.Choice)];
        }
        var ofRuns = checkpoints.Where(c => c.Run is not null)
            .GroupBy(c => c.Run!.RunId, StringComparer.Ordinal)
            .OrderByDescending(run => run.Key, StringComparer.Ordinal)
            .SelectMany(MarkBest);
        var others = checkpoints.Where(c => c.Run is null)
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Id, StringComparer.Ordinal);
        return [.. ofRuns, .. others, .. presets];
    }

    /// <summary>The model with this id if it is listed (a checkpoint whose folder is gone is not).</summary>
    public ModelChoice? Find(string modelId) => List().FirstOrDefault(m => m.Id == modelId);

    /// <summary>Makes a checkpoint folder selectable under a name a person gave it (a registered checkpoint, an imported model).</summary>
    public ModelChoice RegisterCheckpoint(string directory, string name, string source)
    {
        var full = Path.GetFullPath(directory);
        var config = VlmConfigFile.Load(full).Config;
        var choice = new ModelChoice(CheckpointPrefix + full, name, source, ParameterCount.Of(config).Total) { Directory = full };
        lock (_gate)
        {
            // A run's checkpoint named by a person stays in its run's place in the list.
            choice = choice with { Run = _checkpoints.GetValueOrDefault(choice.Id)?.Choice.Run };
            _checkpoints[choice.Id] = new Entry(choice, NamedByUser: true);
        }
        return choice;
    }

    /// <summary>
    /// Makes a checkpoint a run wrote selectable as "RUN · step N". A folder a person registered under a name of their
    /// own keeps that name (whichever of the two registrations comes first after a restart).
    /// </summary>
    public ModelChoice RegisterRunCheckpoint(string directory, string runId, string runName, int step)
    {
        var full = Path.GetFullPath(directory);
        var origin = new RunCheckpointOrigin(runId, runName, step);
        lock (_gate)
        {
            if (KeepPersonsName(CheckpointPrefix + full, origin) is { } named)
            {
                return named;
            }
        }
        var config = VlmConfigFile.Load(full).Config;
        var choice = new ModelChoice(CheckpointPrefix + full, $"{runName} · step {step}", $"run {runId}", ParameterCount.Of(config).Total)
        {
            Directory = full,
            Run = origin,
        };
        lock (_gate)
        {
            if (KeepPersonsName(choice.Id, origin) is { } named)
            {
                return named;
            }
            _checkpoints[choice.Id] = new Entry(choice, NamedByUser: false);
        }
        return choice;
    }

    /// <summary>Under the lock: a folder a person named keeps its name and learns which run it belongs to.</summary>
    private ModelChoice? KeepPersonsName(string id, RunCheckpointOrigin origin)
    {
        if (!_checkpoints.TryGetValue(id, out var existing) || !existing.NamedByUser)
        {
            return null;
        }
        var named = existing.Choice with { Run = origin };
        _checkpoints[id] = existing with { Choice = named };
        return named;
    }

    /// <summary>The listed entry for this folder, if any (to tell a person it is already there).</summary>
    public ModelChoice? RegisteredByUser(string directory)
    {
        var id = CheckpointPrefix + Path.GetFullPath(directory);
        lock (_gate)
        {
            return _checkpoints.TryGetValue(id, out var entry) && entry.NamedByUser && IsPresent(entry.Choice.Directory!) ? entry.Choice : null;
        }
    }

    public bool Contains(string modelId)
    {
        if (modelId.StartsWith(PresetPrefix, StringComparison.Ordinal))
        {
            return ModelPresets.Names.Contains(modelId[PresetPrefix.Length..], StringComparer.OrdinalIgnoreCase);
        }
        lock (_gate)
        {
            return _checkpoints.TryGetValue(modelId, out var entry) && IsPresent(entry.Choice.Directory!);
        }
    }

    /// <summary>The configuration of a model without loading its weights (for previews and estimates).</summary>
    /// <exception cref="ArgumentException">the model is unknown, or its checkpoint folder is gone (the message says which)</exception>
    public VlmConfig ConfigOf(string modelId)
    {
        RequireAvailable(modelId);
        return modelId.StartsWith(PresetPrefix, StringComparison.Ordinal)
            ? ModelPresets.Get(modelId[PresetPrefix.Length..], VlmLoader.BuiltInBaseVocabSize)
            : VlmConfigFile.Load(modelId[CheckpointPrefix.Length..]).Config;
    }

    /// <exception cref="ArgumentException">the model is unknown, or its checkpoint folder is gone (the message says which)</exception>
    public LoadedVlm Load(string modelId)
    {
        RequireAvailable(modelId);
        return modelId.StartsWith(PresetPrefix, StringComparison.Ordinal)
            ? VlmLoader.Load(modelId[PresetPrefix.Length..])
            : VlmLoader.Load(modelId[CheckpointPrefix.Length..]);
    }

    private void RequireAvailable(string modelId)
    {
        if (Contains(modelId))
        {
            return;
        }
        if (modelId.StartsWith(CheckpointPrefix, StringComparison.Ordinal))
        {
            var directory = modelId[CheckpointPrefix.Length..];
            string name;
            lock (_gate)
            {
                name = _checkpoints.TryGetValue(modelId, out var entry) ? entry.Choice.Name : Path.GetFileName(directory);
            }
            if (!IsPresent(directory))
            {
                throw new ArgumentException(
                    $"The checkpoint '{name}' no longer exists: its folder {directory} was deleted (a run keeps only its latest and its best checkpoints). Pick another model from the list.");
            }
        }
        throw new ArgumentException($"Unknown model '{modelId}'. Pick one of the listed models.");
    }

    /// <summary>The run's checkpoints by step as a number, the one its newest checkpoint names as the best marked.</summary>
    private static IEnumerable<ModelChoice> MarkBest(IEnumerable<ModelChoice> run)
    {
        var bySteps = run.OrderBy(c => c.Run!.Step).ToList();
        var best = RecordedBestCheckpoint.NameIn(bySteps[^1].Directory!);
        return bySteps.Select(c => best is not null && Path.GetFileName(c.Directory) == best ? c with { IsBest = true } : c);
    }

    private static bool IsPresent(string directory) => File.Exists(Path.Combine(directory, VlmConfigFile.FileName));
}
