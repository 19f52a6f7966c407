namespace NanoVlm.Engine.Tests.Model;

/// <summary>
/// Finds <c>shared/reference/cases</c> (the PyTorch reference's outputs) by walking up from the test binaries:
/// it sits next to the repository (<c>&lt;repo&gt;/../shared</c>) both here and in CI.
/// </summary>
internal static class ReferenceCases
{
    public static string? Directory { get; } = Find();

    public static IEnumerable<object[]> Names() => Directory is null
        ? [["(reference cases not found)"]]
        : System.IO.Directory.GetDirectories(Directory).Where(d => File.Exists(Path.Combine(d, "case.json")))
            .Select(d => new object[] { Path.GetFileName(d) }).Order(Comparer<object[]>.Create((a, b) => string.CompareOrdinal((string)a[0], (string)b[0])));

    public static string PathOf(string caseName) => Path.Combine(Directory!, caseName);

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "reference", "cases");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A theory over the reference cases, skipped with a message when the cases folder is absent.</summary>
public sealed class ReferenceCaseTheoryAttribute : TheoryAttribute
{
    public ReferenceCaseTheoryAttribute()
    {
        if (ReferenceCases.Directory is null)
            Skip = "shared/reference/cases was not found next to the repository (walked up from the test binaries).";
    }
}

/// <summary>A fact that needs the reference cases, skipped with a message when the folder is absent.</summary>
public sealed class ReferenceCaseFactAttribute : FactAttribute
{
    public ReferenceCaseFactAttribute()
    {
        if (ReferenceCases.Directory is null)
            Skip = "shared/reference/cases was not found next to the repository (walked up from the test binaries).";
    }
}
