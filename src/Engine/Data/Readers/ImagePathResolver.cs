namespace NanoVlm.Engine.Data;

/// <summary>
/// Turns an image path written in a data file into an existing file, checking existence only (cheap).
/// Relative paths are tried against the candidate roots in order; the first root that holds an image is
/// kept for the rest of the file. This matters for the official DocVQA download, where the JSON says
/// <c>documents/abc_1.png</c> but sits in <c>spdocvqa_qas/</c> next to <c>spdocvqa_images/documents/</c>.
/// </summary>
internal sealed class ImagePathResolver
{
    // DocVQA asks ~4 questions per page, so the same image path comes back; remembering the answer saves
    // a file-system call per row. Bounded by the number of distinct images (about 12k in DocVQA).
    private const int MaxRemembered = 200_000;
    private readonly Dictionary<string, string> _resolved = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _candidateRoots;
    private string? _chosenRoot;

    public ImagePathResolver(IReadOnlyList<string> candidateRoots)
    {
        if (candidateRoots.Count == 0)
        {
            throw new ArgumentException("At least one root is needed.", nameof(candidateRoots));
        }
        _candidateRoots = candidateRoots;
    }

    /// <summary>Only the data file's own folder: what JSONL promises.</summary>
    public static ImagePathResolver RelativeTo(string dataFile) =>
        new([System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(dataFile))!]);

    /// <summary>
    /// The JSON's folder first (what the format promises), then its parent, then folders named like
    /// <c>*image*</c> beside it or in it (the layouts of the official downloads).
    /// </summary>
    public static ImagePathResolver ForOfficialRelease(string jsonFile)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(jsonFile))!;
        var roots = new List<string> { folder };
        var parent = Directory.GetParent(folder)?.FullName;
        if (parent is not null)
        {
            roots.Add(parent);
            roots.AddRange(ImageFolders(parent).Where(path => path != folder));
        }
        roots.AddRange(ImageFolders(folder));
        return new ImagePathResolver(roots);
    }

    /// <summary>The existing file, or null; <paramref name="expected"/> is where it was looked for first.</summary>
    public string? Resolve(string written, out string expected)
    {
        if (_resolved.TryGetValue(written, out var known))
        {
            expected = known;
            return known;
        }
        var found = Find(written, out expected);
        if (_resolved.Count >= MaxRemembered)
        {
            _resolved.Clear();
        }
        // Only hits are remembered: a missing image is looked for again (and reported with its path) each time.
        if (found is not null)
        {
            _resolved[written] = found;
        }
        return found;
    }

    private string? Find(string written, out string expected)
    {
        var relative = System.IO.Path.DirectorySeparatorChar == '/' ? written.Replace('\\', '/') : written;
        if (System.IO.Path.IsPathRooted(relative))
        {
            expected = relative;
            return File.Exists(relative) ? relative : null;
        }
        if (_chosenRoot is not null)
        {
            expected = System.IO.Path.Combine(_chosenRoot, relative);
            return File.Exists(expected) ? expected : null;
        }
        expected = System.IO.Path.Combine(_candidateRoots[0], relative);
        foreach (var root in _candidateRoots)
        {
            var candidate = System.IO.Path.Combine(root, relative);
            if (File.Exists(candidate))
            {
                _chosenRoot = root;
                expected = candidate;
                return candidate;
            }
        }
        return null;
    }

    private static List<string> ImageFolders(string folder)
    {
        try
        {
            return Directory.EnumerateDirectories(folder)
                .Where(path => System.IO.Path.GetFileName(path).Contains("image", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
