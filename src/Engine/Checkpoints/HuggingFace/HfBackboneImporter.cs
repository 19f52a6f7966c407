using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>What <see cref="HfBackboneImporter.Import"/> wrote.</summary>
/// <param name="OutputDirectory">the checkpoint folder (full path)</param>
/// <param name="Parameters">parameters per component, the tied embedding/head counted once</param>
/// <param name="ImportedParameters">parameters copied from the backbones</param>
/// <param name="InitializedParameters">parameters initialised fresh (projector, extra token rows)</param>
public sealed record HfImportSummary(
    string OutputDirectory,
    VlmConfig Config,
    ParameterBreakdown Parameters,
    HfHeadSource HeadSource,
    long ImportedParameters,
    long InitializedParameters,
    IReadOnlyList<string> Warnings);

/// <summary>
/// The <c>import --vision DIR --language DIR --out DIR</c> verb: builds a nanoVLM model from Hugging Face backbone
/// folders and saves it as a nanoVLM checkpoint (<c>config.json</c> + <c>model.safetensors</c>), atomically, with the
/// language folder's <c>tokenizer.json</c> beside it and an <see cref="ImportRecord"/> (<c>import.json</c>) saying
/// where both came from.
/// </summary>
public static class HfBackboneImporter
{
    public static HfImportSummary Import(string visionDirectory, string languageDirectory, string outputDirectory, HfImportOptions? options = null)
    {
        options ??= new HfImportOptions();
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        GuardOutput(output, visionDirectory, languageDirectory, options.Overwrite);

        var built = HfBackboneModelBuilder.Build(visionDirectory, languageDirectory, options);
        using var model = built.Model;
        var vision = Path.GetFullPath(visionDirectory);
        var language = Path.GetFullPath(languageDirectory);
        NanoVlmCheckpoint.Save(model, output, staging => ImportRecord.Write(staging, vision, language, options.Seed));
        return new HfImportSummary(output, model.Config, ParameterCount.Of(model.Config), built.HeadSource,
            built.ImportedParameters, built.InitializedParameters, built.Warnings);
    }

    /// <summary>
    /// Saving replaces the output folder as a whole, so it must not be (or contain) a backbone folder, and an
    /// existing non-empty folder is only replaced when asked to.
    /// </summary>
    private static void GuardOutput(string output, string visionDirectory, string languageDirectory, bool overwrite)
    {
        foreach (var input in new[] { visionDirectory, languageDirectory })
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input));
            if (IsSameOrInside(full, output))
                throw new ArgumentException($"The output folder {output} would replace the backbone folder {full}; choose another output folder.", nameof(output));
        }
        if (!overwrite && Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new IOException($"The output folder {output} already exists and is not empty; pass the overwrite option to replace it.");
    }

    private static bool IsSameOrInside(string path, string folder) =>
        path.Equals(folder, StringComparison.Ordinal)
        || path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
