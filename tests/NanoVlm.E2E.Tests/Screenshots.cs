namespace NanoVlm.E2E.Tests;

/// <summary>Where browser tests leave screenshots: artifacts/screenshots under the repository.</summary>
internal static class Screenshots
{
    public static string PathOf(string fileName)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NanoVlm.Web.sln")))
        {
            directory = directory.Parent;
        }
        var folder = Path.Combine(directory?.FullName ?? Path.GetTempPath(), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, fileName);
    }
}
