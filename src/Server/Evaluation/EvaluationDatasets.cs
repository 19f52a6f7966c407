using System.Globalization;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Evaluation;

/// <summary>
/// Where batch evaluations may read data sets: the data folder and the folders of <c>Storage:DataRoots</c> (the same
/// roots as a run's data), so that an HTTP client cannot make the server read arbitrary files. Relative paths are
/// taken from the data folder, whose <c>datasets</c> folder is listed in the form.
/// Also writes the synthetic validation sets that the playground offers in one click.
/// </summary>
public sealed class EvaluationDatasets(DataDirectory dataDirectory, AllowedRoots allowedRoots)
{
    public const string SyntheticPrefix = "synthetic:";

    /// <summary>The seed of generated validation sets: fixed, so the same request always evaluates the same questions.</summary>
    public const long SyntheticSeed = 0;

    public string Root => dataDirectory.Root;

    public string Folder => Path.Combine(dataDirectory.Root, "datasets");

    /// <summary>The check the readers apply to the image files a data set names (under the data roots, like the set).</summary>
    public ImagePathCheck ImageCheck => allowedRoots.DataImages;

    /// <summary>The full path of a user's data-set path; throws <see cref="PlaygroundException"/> when it is outside the data folder or absent.</summary>
    public string Resolve(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new PlaygroundException($"Choose a data set: a DocVQA file or folder inside {Folder}, or {SyntheticPrefix}easy for a generated one.");
        }
        string full;
        try
        {
            full = Path.GetFullPath(path.Trim(), Root);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new PlaygroundException($"'{path}' is not a valid path: {e.Message}");
        }
        try
        {
            full = allowedRoots.Data.Resolve(full);
        }
        catch (PathNotAllowedException e)
        {
            throw new PlaygroundException(e.Message);
        }
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new PlaygroundException($"There is no file or folder at '{full}'. Put the data set in {Folder} (a DocVQA JSON with its images, lmms-lab or the_cauldron parquet shards, or JSONL).");
        }
        return full;
    }

    /// <summary>Parses "synthetic:easy" (medium, hard); null when <paramref name="data"/> is not a synthetic set.</summary>
    public static SyntheticDifficulty? SyntheticDifficultyOf(string data)
    {
        if (data is null || !data.Trim().StartsWith(SyntheticPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            return SyntheticNames.ParseDifficulty(data.Trim()[SyntheticPrefix.Length..]);
        }
        catch (ArgumentException e)
        {
            throw new PlaygroundException($"{e.Message} Write {SyntheticPrefix}easy, {SyntheticPrefix}medium or {SyntheticPrefix}hard.");
        }
    }

    /// <summary>
    /// The folder of the synthetic validation set with at least <paramref name="questions"/> questions, written the
    /// first time it is asked for (DocVQA layout, by <see cref="SyntheticDatasetWriter"/>) and reused after.
    /// </summary>
    public string EnsureSynthetic(SyntheticDifficulty difficulty, int questions, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"synthetic-{difficulty.Name()}-val-{questions}q"));
        if (Directory.Exists(folder))
        {
            // The writer renames a finished folder into place, so an existing one is complete.
            return Path.Combine(folder, SyntheticDatasetWriter.AnnotationFileName(SyntheticSplit.Val));
        }
        var perDocument = new SyntheticDocVqaGenerator(difficulty, SyntheticSeed).QuestionsPerDocument;
        var documents = (questions + perDocument - 1) / perDocument;
        try
        {
            return SyntheticDatasetWriter.Write(new MakeSyntheticRequest(folder, documents, SyntheticSeed, difficulty, SyntheticSplit.Val), cancellationToken: cancellationToken)
                .AnnotationPath;
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            // Another evaluation wrote the same set at the same moment: use theirs.
            return Path.Combine(folder, SyntheticDatasetWriter.AnnotationFileName(SyntheticSplit.Val));
        }
    }

    /// <summary>The recognisable data sets in <see cref="Folder"/> (and single files one level inside its folders).</summary>
    public IReadOnlyList<DatasetChoice> List()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }
        var found = new List<DatasetChoice>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(Folder).Where(e => !Path.GetFileName(e).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            if (TryDetect(entry) is { } dataset)
            {
                found.Add(dataset);
            }
            else if (Directory.Exists(entry))
            {
                // A folder with several splits (train_v1.0.json and val_v1.0.json) is not one data set, but each file is.
                found.AddRange(Directory.EnumerateFiles(entry).Order(StringComparer.Ordinal).Select(TryDetect).OfType<DatasetChoice>());
            }
        }
        return found;
    }

    private DatasetChoice? TryDetect(string path)
    {
        try
        {
            var detected = DocVqaFormatDetector.Detect(path);
            return new DatasetChoice(detected.Path, Path.GetRelativePath(Folder, detected.Path), detected.Format.ToName());
        }
        catch (Exception e) when (e is DatasetFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
