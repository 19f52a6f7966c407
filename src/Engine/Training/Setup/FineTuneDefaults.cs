using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Checkpoints;

namespace NanoVlm.Engine.Training.Setup;

/// <summary>
/// The settings a run started from existing weights begins with, before the user's own: a fork continues with its
/// parent run's settings; a nanoVLM checkpoint or an imported model gets nanoVLM's fine-tuning defaults for the
/// nearest published size (<see cref="TrainingPresets.NanoVlm222M"/> or <see cref="TrainingPresets.NanoVlm460M"/>).
/// The architecture is always the source's.
/// </summary>
public static class FineTuneDefaults
{
    public static TrainingConfig For(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var settings = source.Parent is { } parent ? ParentSettings(parent) : NearestNanoVlmPreset(source.Config);
        return settings with { Model = source.Config, Init = source.Directory };
    }

    /// <summary>The training preset whose settings a model of this shape fine-tunes with, by decoder width.</summary>
    public static string NearestNanoVlmPresetName(VlmConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var small = ModelPresets.Get(ModelPresets.NanoVlm222MName).LmHiddenDim;
        var large = ModelPresets.Get(ModelPresets.NanoVlm460MName).LmHiddenDim;
        return Math.Abs(model.LmHiddenDim - small) <= Math.Abs(model.LmHiddenDim - large) ? ModelPresets.NanoVlm222MName : ModelPresets.NanoVlm460MName;
    }

    private static TrainingConfig NearestNanoVlmPreset(VlmConfig model) =>
        TrainingPresets.Get(NearestNanoVlmPresetName(model), model.LmBaseVocabSize);

    /// <summary>The parent run's configuration as its checkpoint recorded it, ready to start a new schedule.</summary>
    private static TrainingConfig ParentSettings(ParentRun parent) => CheckpointStore.ReadState(parent.Checkpoint).Config;
}
