namespace NanoVlm.E2E.Tests;

/// <summary>Where browser tests leave screenshots and reports: artifacts/ under the repository.</summary>
internal static class Screenshots
{
    /// <summary>artifacts/screenshots/<paramref name="fileName"/>.</summary>
    public static string PathOf(string fileName) => ArtifactPathOf(Path.Combine("screenshots", fileName));

    /// <summary>artifacts/<paramref name="relativePath"/>, its folder created.</summary>
    public static string ArtifactPathOf(string relativePath)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NanoVlm.Web.sln")))
        {
            directory = directory.Parent;
        }
        var path = Path.Combine(directory?.FullName ?? Path.GetTempPath(), "artifacts", relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
