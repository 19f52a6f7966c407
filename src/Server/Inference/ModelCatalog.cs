using NanoVlm.Client.Services;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;

namespace NanoVlm.Server.Inference;

/// <summary>
/// The models users can pick: the presets (random weights, for trying the pipeline) and checkpoint folders
/// (from runs and imports, registered as they appear). Ids are "preset:NAME" or "checkpoint:FULLPATH".
/// </summary>
public sealed class ModelCatalog
{
    public const string PresetPrefix = "preset:";
    public const string CheckpointPrefix = "checkpoint:";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ModelChoice> _checkpoints = [];

    public IReadOnlyList<ModelChoice> List()
    {
        var presets = ModelPresets.Names.Select(name => new ModelChoice(PresetPrefix + name, name, "preset (random weights)",
            ParameterCount.Of(ModelPresets.Get(name, VlmLoader.BuiltInBaseVocabSize)).Total));
        lock (_gate)
        {
            return [.. _checkpoints.Values.OrderBy(c => c.Name, StringComparer.Ordinal), .. presets];
        }
    }

    /// <summary>Makes a checkpoint folder selectable (a run's checkpoint, an imported model).</summary>
    public ModelChoice RegisterCheckpoint(string directory, string name, string source)
    {
        var full = Path.GetFullPath(directory);
        var config = VlmConfigFile.Load(full).Config;
        var choice = new ModelChoice(CheckpointPrefix + full, name, source, ParameterCount.Of(config).Total);
        lock (_gate)
        {
            _checkpoints[choice.Id] = choice;
        }
        return choice;
    }

    public bool Contains(string modelId)
    {
        lock (_gate)
        {
            return _checkpoints.ContainsKey(modelId)
                || (modelId.StartsWith(PresetPrefix, StringComparison.Ordinal) && ModelPresets.Names.Contains(modelId[PresetPrefix.Length..], StringComparer.OrdinalIgnoreCase));
        }
    }

    /// <summary>The configuration of a model without loading its weights (for previews and estimates).</summary>
    public VlmConfig ConfigOf(string modelId)
    {
        if (!Contains(modelId))
        {
            throw new ArgumentException($"Unknown model '{modelId}'. Pick one of the listed models.");
        }
        return modelId.StartsWith(PresetPrefix, StringComparison.Ordinal)
            ? ModelPresets.Get(modelId[PresetPrefix.Length..], VlmLoader.BuiltInBaseVocabSize)
            : VlmConfigFile.Load(modelId[CheckpointPrefix.Length..]).Config;
    }

    public LoadedVlm Load(string modelId)
    {
        if (!Contains(modelId))
        {
            throw new ArgumentException($"Unknown model '{modelId}'. Pick one of the listed models.");
        }
        return modelId.StartsWith(PresetPrefix, StringComparison.Ordinal)
            ? VlmLoader.Load(modelId[PresetPrefix.Length..])
            : VlmLoader.Load(modelId[CheckpointPrefix.Length..]);
    }
}
