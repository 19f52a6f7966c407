namespace NanoVlm.Engine.Data;

/// <summary>
/// Turns an image path written in a data file into an existing file, checking existence (cheap) and, when given, an
/// <see cref="ImagePathCheck"/>.
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
    private readonly ImagePathCheck? _check;
    private string? _chosenRoot;

    public ImagePathResolver(IReadOnlyList<string> candidateRoots, ImagePathCheck? check = null)
    {
        if (candidateRoots.Count == 0)
        {
            throw new ArgumentException("At least one root is needed.", nameof(candidateRoots));
        }
        _candidateRoots = candidateRoots;
        _check = check;
    }

    /// <summary>Only the data file's own folder: what JSONL promises.</summary>
    public static ImagePathResolver RelativeTo(string dataFile, ImagePathCheck? check = null) =>
        new([System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(dataFile))!], check);

    /// <summary>
    /// The JSON's folder first (what the format promises), then its parent, then folders named like
    /// <c>*image*</c> beside it or in it (the layouts of the official downloads).
    /// </summary>
    public static ImagePathResolver ForOfficialRelease(string jsonFile, ImagePathCheck? check = null)
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
        return new ImagePathResolver(roots, check);
    }

    /// <summary>The existing, allowed file, or null with <paramref name="problem"/> saying why.</summary>
    public string? Resolve(string written, out string problem)
    {
        problem = "";
        if (_resolved.TryGetValue(written, out var known))
        {
            return known;
        }
        var found = Find(written, out var expected);
        // The check comes first and also judges paths that do not exist, so that a refused path never tells whether
        // a file is there.
        if (_check?.Invoke(found ?? expected) is { } refusal)
        {
            problem = $"image '{written}' may not be read: {refusal}";
            return null;
        }
        if (found is null)
        {
            problem = $"image not found: {expected}";
            return null;
        }
        if (_resolved.Count >= MaxRemembered)
        {
            _resolved.Clear();
        }
        // Only allowed hits are remembered: a missing or refused image is looked at again (and reported) each time.
        _resolved[written] = found;
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
