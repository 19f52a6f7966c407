namespace NanoVlm.Server.Storage;

/// <summary>
/// The folders under which the server may open a path a user typed (a dataset for a run, a checkpoint folder
/// to register). A path is accepted only when its real location — every symbolic link along it followed —
/// lies under the real location of one of the roots. Paths with ".." segments are refused outright: they are
/// never needed and are the usual way out of a root. The command-line verbs, run by the local user, are not
/// restricted; only what arrives over HTTP or the UI is.
/// </summary>
public sealed class PathRoots
{
    /// <summary>Linux allows 40 links in one lookup; a longer chain is a loop.</summary>
    private const int MaxLinksFollowed = 40;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly string[] _realRoots;

    /// <param name="settingName">the configuration key that lists the roots, for the message ("Storage:DataRoots")</param>
    /// <param name="contents">what the roots hold, for the message ("datasets")</param>
    /// <param name="roots">full or relative (to the working directory) folders; need not exist yet</param>
    public PathRoots(string settingName, string contents, IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        SettingName = settingName;
        Contents = contents;
        Roots = [.. roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Path.GetFullPath(r.Trim())).Distinct(StringComparer.Ordinal)];
        _realRoots = [.. Roots.Select(RealPath)];
    }

    public string SettingName { get; }

    public string Contents { get; }

    /// <summary>The allowed folders, as full paths.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>
    /// The real full path of <paramref name="userPath"/> (relative paths are taken from the working directory);
    /// throws <see cref="PathNotAllowedException"/> saying why and how to allow it. Existence is not checked.
    /// </summary>
    public string Resolve(string userPath)
    {
        if (string.IsNullOrWhiteSpace(userPath))
        {
            throw new PathNotAllowedException($"No path was given. {Hint()}");
        }
        if (userPath.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new PathNotAllowedException($"'{userPath}' contains characters that are not allowed in a path.");
        }
        if (userPath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Contains(".."))
        {
            throw new PathNotAllowedException($"'{userPath}' contains '..'. Give the folder's path without '..' segments. {Hint()}");
        }
        var full = Path.GetFullPath(userPath);
        string real;
        try
        {
            real = RealPath(full);
        }
        catch (IOException e)
        {
            throw new PathNotAllowedException($"'{userPath}' cannot be resolved: {e.Message}");
        }
        if (_realRoots.Any(root => IsUnder(real, root)))
        {
            return real;
        }
        if (Roots.Any(root => IsUnder(full, root)) || _realRoots.Any(root => IsUnder(full, root)))
        {
            throw new PathNotAllowedException(
                $"'{userPath}' leads through a symbolic link to '{real}', which is outside the folders this server may read {Contents} from. {Hint()}");
        }
        throw new PathNotAllowedException($"'{userPath}' is outside the folders this server may read {Contents} from. {Hint()}");
    }

    private string Hint() =>
        (Roots.Count == 0 ? $"No folders are allowed for {Contents}. " : $"Allowed: {string.Join(", ", Roots)}. ")
        + $"Move it under one of them, or add its folder to {SettingName} in appsettings.json "
        + $"(or start the server with --{SettingName}:{Roots.Count}=FOLDER) and restart.";

    private static bool IsUnder(string path, string root)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(root);
        return string.Equals(Path.TrimEndingDirectorySeparator(path), trimmed, PathComparison)
            || path.StartsWith(trimmed + Path.DirectorySeparatorChar, PathComparison)
            || (Path.GetPathRoot(root) is { } driveRoot && string.Equals(trimmed, Path.TrimEndingDirectorySeparator(driveRoot), PathComparison)
                && path.StartsWith(driveRoot, PathComparison));
    }

    /// <summary>
    /// The full path with every symbolic link along it replaced by its target, component by component (a link's
    /// target may itself hold links). Components that do not exist are kept as they are.
    /// </summary>
    public static string RealPath(string fullPath)
    {
        var pending = new Stack<string>();
        var current = Path.GetPathRoot(fullPath) ?? throw new IOException($"'{fullPath}' is not a full path.");
        PushComponents(pending, fullPath[current.Length..]);
        var linksFollowed = 0;
        while (pending.Count > 0)
        {
            var next = Path.Combine(current, pending.Pop());
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++linksFollowed > MaxLinksFollowed)
            {
                throw new IOException($"too many symbolic links (a loop?) at '{next}'");
            }
            // current has no links left in it, so ".." in a relative target can be resolved by text.
            var resolved = Path.GetFullPath(target, current);
            current = Path.GetPathRoot(resolved)!;
            PushComponents(pending, resolved[current.Length..]);
        }
        return current;
    }

    private static void PushComponents(Stack<string> pending, string relative)
    {
        var parts = relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
