namespace NanoVlm.Engine.Data;

/// <summary>
/// The shard files of a parquet data set: a single file, or the <c>*.parquet</c> files of a folder (or,
/// when it has none, of the one sub-folder that has them, as in a Hugging Face repository clone), in
/// name order so that <c>train-00000-of-00014</c> comes first.
/// </summary>
public static class ParquetShards
{
    public static IReadOnlyList<string> Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            return [path];
        }
        if (!Directory.Exists(path))
        {
            throw new DatasetFormatException($"{path} does not exist.");
        }
        var top = Directory.EnumerateFiles(path, "*.parquet").Order(StringComparer.Ordinal).ToList();
        if (top.Count > 0)
        {
            return top;
        }
        var nested = Directory.EnumerateFiles(path, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var folders = nested.Select(file => Path.GetDirectoryName(file)!).Distinct().ToList();
        if (folders.Count > 1)
        {
            var names = string.Join(", ", folders.Select(folder => Path.GetRelativePath(path, folder)));
            throw new DatasetFormatException(
                $"{path} has parquet shards in several folders ({names}); point the path at the one to read.");
        }
        return nested;
    }
}
