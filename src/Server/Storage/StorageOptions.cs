using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Storage;

/// <summary>The "Storage" configuration section: the one folder that holds everything the server writes.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Relative paths are resolved against the working directory the server started in.</summary>
    public string DataDir { get; set; } = "data";

    public string ResolvedDataDir => Path.GetFullPath(DataDir, Directory.GetCurrentDirectory());
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
        return ValidateOptionsResult.Success;
    }
}
