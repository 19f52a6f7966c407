using System.Globalization;
using System.Text.RegularExpressions;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Playground;

/// <summary>
/// How a model is named where a past answer or evaluation mentions it: the run and step ("tiny · step 400") rather
/// than the checkpoint's full path, which goes in the hover text.
/// </summary>
public static partial class ModelLabel
{
    /// <summary>
    /// The name kept with the record, else the name in today's model list, else one read from the id: "RUN · step N"
    /// for a run's checkpoint folder (runs/RUN/checkpoints/step_N), the folder's name for another checkpoint.
    /// </summary>
    public static string Of(string modelId, string? keptName, IReadOnlyList<ModelChoice> models)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        ArgumentNullException.ThrowIfNull(models);
        if (!string.IsNullOrWhiteSpace(keptName))
        {
            return keptName;
        }
        if (models.FirstOrDefault(m => m.Id == modelId) is { } listed)
        {
            return listed.Name;
        }
        if (ModelIds.DirectoryOf(modelId) is not { } directory)
        {
            return modelId.StartsWith(ModelIds.PresetPrefix, StringComparison.Ordinal) ? modelId[ModelIds.PresetPrefix.Length..] : modelId;
        }
        var folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(directory));
        if (StepFolder().Match(folder) is { Success: true } step && parent is not null && Path.GetFileName(parent) == "checkpoints"
            && Path.GetFileName(Path.GetDirectoryName(parent)) is { Length: > 0 } run)
        {
            return $"{run} · step {int.Parse(step.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture)}";
        }
        return folder;
    }

    /// <summary>What the hover shows: the checkpoint folder, or the id of a preset.</summary>
    public static string Hover(string modelId) => ModelIds.DirectoryOf(modelId) ?? modelId;

    [GeneratedRegex("^step_([0-9]{1,9})$")]
    private static partial Regex StepFolder();
}
