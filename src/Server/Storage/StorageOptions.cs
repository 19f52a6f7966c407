using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Storage;

/// <summary>The "Storage" configuration section: the one folder that holds everything the server writes.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Relative paths are resolved against the working directory the server started in.</summary>
    public string DataDir { get; set; } = "data";

    public string ResolvedDataDir => Path.GetFullPath(DataDir, Directory.GetCurrentDirectory());

    /// <summary>Folders whose datasets runs started over HTTP or the UI may read (the data folder is always allowed).</summary>
    public List<string> DataRoots { get; set; } = [];

    /// <summary>Folders whose checkpoints and backbones may be registered or imported (the data folder is always allowed).</summary>
    public List<string> ModelRoots { get; set; } = [];
}

public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            return ValidateOptionsResult.Fail("Storage:DataDir is empty; set it to the folder the server may write to (default \"data\").");
        }
        if (options.DataDir.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            return ValidateOptionsResult.Fail($"Storage:DataDir '{options.DataDir}' contains characters that are not allowed in a path.");
        }
        foreach (var (setting, roots) in new[] { (nameof(options.DataRoots), options.DataRoots), (nameof(options.ModelRoots), options.ModelRoots) })
        {
            if (roots.FirstOrDefault(r => r.IndexOfAny(Path.GetInvalidPathChars()) >= 0) is { } bad)
            {
                return ValidateOptionsResult.Fail($"Storage:{setting} entry '{bad}' contains characters that are not allowed in a path.");
            }
        }
        return ValidateOptionsResult.Success;
    }
}
