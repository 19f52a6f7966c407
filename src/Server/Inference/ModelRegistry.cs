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
        RefuseDuplicate(directory, folder, name);
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

    public string ConfigurationJson(string modelId)
    {
        try
        {
            return VlmConfigFile.ToJson(catalog.ConfigOf(modelId));
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidVlmConfigException)
        {
            // Deleted by checkpoint retention, say, since the page listed it.
            throw new PlaygroundException(e.Message);
        }
    }

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

    /// <summary>
    /// A folder is registered once: registering it again would silently rename it. A run's checkpoint is listed already,
    /// and registering it only makes sense to give it a name of one's own.
    /// </summary>
    private void RefuseDuplicate(string requested, string folder, string? name)
    {
        if (catalog.RegisteredByUser(folder) is { } registered)
        {
            throw new PlaygroundException($"'{requested}' is already registered as '{registered.Name}'; it is in the list of models.");
        }
        if (string.IsNullOrWhiteSpace(name) && catalog.Find(ModelCatalog.CheckpointPrefix + folder) is { } listed)
        {
            throw new PlaygroundException($"'{requested}' is already in the list as '{listed.Name}'. Give it a name to list it under a name of your own.");
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
