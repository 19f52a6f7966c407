using System.Collections.Concurrent;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Refusals;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Runs;

/// <summary>
/// The weights a run from the dashboard may start from: a registered model's id (<c>checkpoint:FOLDER</c>) or a folder
/// under Storage:ModelRoots or the data folder, recognised and checked by <see cref="ModelSourceResolver"/>. Results
/// are kept while the folder's files are unchanged, since the form asks again at every keystroke and resolving reads
/// the tokenizer.
/// </summary>
public sealed class ModelSources(AllowedRoots allowedRoots)
{
    private readonly ConcurrentDictionary<string, (DateTime Stamp, ModelSource Source)> _resolved = new(StringComparer.Ordinal);

    /// <summary>The source, or an <see cref="ArgumentException"/> saying why it cannot be used (the form shows it under Start from).</summary>
    public ModelSource Resolve(string init)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(init);
        var path = init.StartsWith(ModelCatalog.CheckpointPrefix, StringComparison.Ordinal) ? init[ModelCatalog.CheckpointPrefix.Length..] : init;
        string folder;
        try
        {
            folder = allowedRoots.Models.Resolve(path);
        }
        catch (PathNotAllowedException e)
        {
            throw new ArgumentException(e.Message, e);
        }
        var stamp = Stamp(folder);
        if (_resolved.TryGetValue(folder, out var known) && known.Stamp == stamp) return known.Source;
        try
        {
            var source = ModelSourceResolver.Resolve(folder);
            _resolved[folder] = (stamp, source);
            return source;
        }
        catch (RefusalException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    /// <summary>The newest write to the files a resolution reads (a run folder's checkpoints change as it trains).</summary>
    private static DateTime Stamp(string folder)
    {
        if (!Directory.Exists(folder)) return DateTime.MinValue;
        return Directory.EnumerateFiles(folder, "*", SearchOption.TopDirectoryOnly)
            .Append(Path.Combine(folder, NanoVlmCheckpoint.WeightsFileName))
            .Concat(Directory.EnumerateDirectories(folder))
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.MinValue)
            .Max();
    }
}
