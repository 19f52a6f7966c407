using NanoVlm.Client.Services;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Precision;

namespace NanoVlm.Server.Runs;

/// <summary>
/// Between the run settings the form, the API and <c>train --config</c> share (<see cref="RunRequest"/>) and the
/// trainer's configuration: a preset's values with the settings on top.
/// </summary>
public static class RunRequestConfig
{
    /// <summary>The settings a preset starts from, as the form shows them.</summary>
    public static RunRequest Defaults(string preset) => FromConfig(PresetConfig(preset), preset);

    /// <summary>The form's fields of a configuration (a fork's parent's, fine-tuning defaults), under <paramref name="preset"/>'s name.</summary>
    public static RunRequest FromConfig(TrainingConfig config, string preset)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new RunRequest
        {
            Preset = preset,
            Precision = PrecisionPolicy.Name(config.Precision),
            BatchSize = config.BatchSize,
            GradAccum = config.GradAccum,
            MaxLength = config.MaxLength,
            LrProjector = config.LrMp,
            LrVision = config.LrVision,
            LrLanguage = config.LrLanguage,
            Steps = config.MaxSteps,
            WarmupFraction = config.WarmupFraction,
            EvalInterval = config.EvalInterval,
            CheckpointInterval = config.CheckpointInterval,
            Data = config.Data,
            Seed = config.Seed,
            NanPolicy = SettingNames.Name(config.NanPolicy),
        };
    }

    /// <summary>
    /// The settings as the trainer's configuration on <paramref name="device"/>. The names in the settings must
    /// parse (the launcher's and the verb's checks come first); a <see cref="FormatException"/> says which does not.
    /// </summary>
    /// <param name="baseVocabSize">the tokenizer's base vocabulary the preset's model is laid out for (the built-in one's by default)</param>
    public static TrainingConfig ToConfig(RunRequest request, string device, int? baseVocabSize = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PresetConfig(request.Preset, baseVocabSize) with
        {
            Device = device,
            Precision = PrecisionPolicy.Parse(request.Precision),
            BatchSize = request.BatchSize,
            GradAccum = request.GradAccum,
            MaxLength = request.MaxLength,
            LrMp = request.LrProjector,
            LrVision = request.LrVision,
            LrLanguage = request.LrLanguage,
            MaxSteps = request.Steps,
            WarmupFraction = request.WarmupFraction,
            EvalInterval = request.EvalInterval,
            CheckpointInterval = request.CheckpointInterval,
            Data = request.Data,
            Seed = request.Seed,
            NanPolicy = SettingNames.Parse<NanPolicy>(request.NanPolicy, "nan_policy"),
        };
    }

    /// <summary>A training preset laid out for the built-in tokenizer; an unknown name gets tiny's (the checks report the name).</summary>
    public static TrainingConfig PresetConfig(string preset, int? baseVocabSize = null) =>
        TrainingPresets.Names.Contains(preset, StringComparer.OrdinalIgnoreCase)
            ? TrainingPresets.Get(preset, baseVocabSize ?? VlmLoader.BuiltInBaseVocabSize)
            : TrainingPresets.Get(ModelPresets.TinyName, baseVocabSize ?? VlmLoader.BuiltInBaseVocabSize);
}
