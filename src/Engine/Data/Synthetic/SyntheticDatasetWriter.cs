using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>What <c>dataset make-synthetic</c> is asked to write.</summary>
/// <param name="OutputDirectory">The folder to create; it must not exist, or be empty, unless <paramref name="Overwrite"/>.</param>
/// <param name="Count">Number of documents (images); each carries several questions.</param>
public sealed record MakeSyntheticRequest(
    string OutputDirectory,
    int Count,
    long Seed,
    SyntheticDifficulty Difficulty = SyntheticDifficulty.Easy,
    SyntheticSplit Split = SyntheticSplit.Train,
    bool Overwrite = false);

/// <summary>What was written: the folder, its annotation file, and how many documents and questions.</summary>
public sealed record MakeSyntheticResult(string OutputDirectory, string AnnotationPath, int Documents, int Questions, TimeSpan Elapsed);

/// <summary>
/// Writes synthetic documents in the official DocVQA layout: <c>{split}_v1.0.json</c> next to a <c>documents/</c>
/// folder of PNG pages, so every DocVQA reader and tool can use them and users can look at them. The folder
/// appears complete or not at all: everything is written to a temporary sibling folder that is renamed at the end.
/// The bytes depend only on (seed, difficulty, split, count).
/// </summary>
public static class SyntheticDatasetWriter
{
    public const string DatasetName = "nanovlm-synthetic-docvqa";
    public const string ImageFolder = "documents";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string AnnotationFileName(SyntheticSplit split) => split.Name() + "_v1.0.json";

    public static MakeSyntheticResult Write(MakeSyntheticRequest request, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Count, 1);
        var watch = Stopwatch.StartNew();
        var target = Path.GetFullPath(request.OutputDirectory);
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{target}' has no parent folder.", nameof(request));
        Directory.CreateDirectory(parent);
        EnsureWritable(target, request.Overwrite);

        var staging = Path.Combine(parent, "." + Path.GetFileName(target) + ".partial-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(staging, ImageFolder));
        try
        {
            var generator = new SyntheticDocVqaGenerator(request.Difficulty, request.Seed);
            var perDocument = new DocVqaAnnotation[request.Count][];
            var done = 0;
            Parallel.For(0, request.Count, new ParallelOptions { CancellationToken = cancellationToken }, index =>
            {
                var document = generator.Generate(request.Split, index);
                var image = string.Create(CultureInfo.InvariantCulture, $"{ImageFolder}/{request.Difficulty.Name()}_{request.Split.Name()}_{index:D6}.png");
                File.WriteAllBytes(Path.Combine(staging, image), document.EncodePng());
                perDocument[index] = document.Questions.Select((q, k) => new DocVqaAnnotation(
                    QuestionId: (long)index * 100 + k + 1,
                    q.Question,
                    [q.QuestionType],
                    image,
                    DocId: index,
                    q.Answers,
                    request.Split.Name())).ToArray();
                progress?.Report(Interlocked.Increment(ref done));
            });

            var annotations = perDocument.SelectMany(a => a).ToArray();
            var file = new DocVqaAnnotationFile(DatasetName, "1.0", request.Split.Name(), annotations);
            var annotationName = AnnotationFileName(request.Split);
            File.WriteAllBytes(Path.Combine(staging, annotationName), JsonSerializer.SerializeToUtf8Bytes(file, Json));

            Publish(staging, target, request.Overwrite);
            return new MakeSyntheticResult(target, Path.Combine(target, annotationName), request.Count, annotations.Length, watch.Elapsed);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private static void EnsureWritable(string target, bool overwrite)
    {
        if (File.Exists(target)) throw new IOException($"'{target}' is a file; give a folder path for the data set.");
        if (Directory.Exists(target) && !overwrite && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new IOException($"'{target}' already exists and is not empty; choose another folder or allow overwriting.");
        }
    }

    /// <summary>Renames the finished folder into place; an old folder is moved aside first and deleted after.</summary>
    private static void Publish(string staging, string target, bool overwrite)
    {
        EnsureWritable(target, overwrite);
        string? old = null;
        if (Directory.Exists(target))
        {
            old = target + ".old-" + Guid.NewGuid().ToString("N");
            Directory.Move(target, old);
        }
        Directory.Move(staging, target);
        if (old is not null) Directory.Delete(old, recursive: true);
    }
}
