using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Model;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Inference;

/// <summary>
/// Registered and imported models: kept in LiteDB so they survive restarts, and offered in the catalog (playground,
/// Models page). Imports are written under the data folder's models/ folder.
/// </summary>
public sealed class ModelRegistry(ModelCatalog catalog, DashboardDatabase database, DataDirectory dataDirectory, AllowedRoots allowedRoots)
    : IModelRegistry
{
    public IReadOnlyList<ModelChoice> Models() => catalog.List();

    public ModelChoice RegisterCheckpoint(string directory, string? name)
    {
        // The folder as the user named it, for messages; its real location (links followed) for everything else.
        var folder = AllowedModelFolder(directory);
        if (!Directory.Exists(folder))
        {
            throw new PlaygroundException($"No folder at '{directory}'.");
        }
        if (!File.Exists(Path.Combine(folder, VlmConfigFile.FileName)) || !File.Exists(Path.Combine(folder, "model.safetensors")))
        {
            throw new PlaygroundException($"'{directory}' is not a nanoVLM checkpoint: it needs config.json and model.safetensors.");
        }
        ModelChoice choice;
        try
        {
            choice = catalog.RegisterCheckpoint(folder, string.IsNullOrWhiteSpace(name) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)) : name.Trim(), "registered checkpoint");
        }
        catch (Exception e) when (e is InvalidVlmConfigException or InvalidDataException or IOException)
        {
            throw new PlaygroundException($"'{directory}' has an unusable config.json: {e.Message}");
        }
        database.Models.Upsert(new RegisteredModelDocument
        {
            Id = choice.Id, Name = choice.Name, Directory = folder, Source = choice.Source, RegisteredAt = DateTime.UtcNow,
        });
        return choice;
    }

    public async Task<ModelChoice> ImportBackbonesAsync(string visionDirectory, string languageDirectory, string name, CancellationToken cancellationToken)
    {
        var safeName = string.Concat((string.IsNullOrWhiteSpace(name) ? "imported" : name.Trim()).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-'));
        var output = Path.Combine(dataDirectory.Root, "models", safeName);
        var vision = AllowedModelFolder(visionDirectory);
        var language = AllowedModelFolder(languageDirectory);
        HfImportSummary summary;
        try
        {
            summary = await Task.Run(() => HfBackboneImporter.Import(vision, language, output), cancellationToken);
        }
        catch (Exception e) when (e is HfBackboneFormatException or HfBackboneTensorMismatchException or UnsupportedHfBackboneException
            or IOException or InvalidDataException or ArgumentException or InvalidOperationException)
        {
            throw new PlaygroundException(e.Message);
        }
        var choice = catalog.RegisterCheckpoint(summary.OutputDirectory, safeName, "imported from Hugging Face backbones");
        database.Models.Upsert(new RegisteredModelDocument
        {
            Id = choice.Id, Name = choice.Name, Directory = summary.OutputDirectory, Source = choice.Source, RegisteredAt = DateTime.UtcNow,
        });
        return choice;
    }

    public string ConfigurationJson(string modelId) => VlmConfigFile.ToJson(catalog.ConfigOf(modelId));

    /// <summary>Offers the remembered models again after a restart; folders that vanished are skipped.</summary>
    public void RestoreRegistered()
    {
        foreach (var model in database.Models.FindAll())
        {
            try
            {
                catalog.RegisterCheckpoint(allowedRoots.Models.Resolve(model.Directory), model.Name, model.Source);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or InvalidVlmConfigException or PathNotAllowedException)
            {
                // The folder moved or broke since, or Storage:ModelRoots no longer covers it; the Models page no longer lists it.
            }
        }
    }

    /// <summary>The real path of a folder under Storage:ModelRoots, or a <see cref="PlaygroundException"/> saying why not.</summary>
    private string AllowedModelFolder(string requested)
    {
        try
        {
            return allowedRoots.Models.Resolve(requested);
        }
        catch (PathNotAllowedException e)
        {
            throw new PlaygroundException(e.Message);
        }
    }
}
