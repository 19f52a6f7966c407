using Microsoft.Extensions.Options;
using NanoVlm.Engine.Data;

namespace NanoVlm.Server.Storage;

/// <summary>
/// Where user-supplied paths may point: <c>Storage:DataRoots</c> for datasets (a run's data), <c>Storage:ModelRoots</c>
/// for checkpoint and Hugging Face folders (model registration and import). The data folder is always in both: runs
/// write their checkpoints there and imports are written there.
/// </summary>
public sealed class AllowedRoots(IOptions<StorageOptions> options)
{
    public PathRoots Data { get; } = new($"{StorageOptions.Section}:{nameof(StorageOptions.DataRoots)}", "datasets",
        [options.Value.ResolvedDataDir, .. options.Value.DataRoots]);

    public PathRoots Models { get; } = new($"{StorageOptions.Section}:{nameof(StorageOptions.ModelRoots)}", "models",
        [options.Value.ResolvedDataDir, .. options.Value.ModelRoots]);

    /// <summary>
    /// For the readers: the image files a dataset names must lie under the data roots too, or a dataset file could
    /// make the server read (and show in the playground) pictures from anywhere on the machine.
    /// </summary>
    public ImagePathCheck DataImages => imagePath =>
    {
        try
        {
            Data.Resolve(imagePath);
            return null;
        }
        catch (PathNotAllowedException e)
        {
            return e.Message;
        }
    };
}
