namespace NanoVlm.Engine.Tests.Model;

/// <summary>
/// Finds <c>tests/reference-cases</c> (the PyTorch reference's outputs, committed with the repository; see its
/// README.md and <c>regenerate.py</c>) by walking up from the test binaries to the repository root.
/// </summary>
internal static class ReferenceCases
{
    private const string RelativePath = "tests/reference-cases";

    public static string? Directory { get; } = Find();

    public static IEnumerable<object[]> Names() => System.IO.Directory.GetDirectories(Required())
        .Where(d => File.Exists(Path.Combine(d, "case.json")))
        .Select(d => new object[] { Path.GetFileName(d) })
        .Order(Comparer<object[]>.Create((a, b) => string.CompareOrdinal((string)a[0], (string)b[0])));

    public static string PathOf(string caseName) => Path.Combine(Required(), caseName);

    /// <summary>The cases are part of the repository: a missing folder is a broken checkout, so it fails, never skips.</summary>
    private static string Required() => Directory ?? throw new DirectoryNotFoundException(
        $"{RelativePath} was not found above {AppContext.BaseDirectory}. It is committed with the repository; restore it " +
        "(git checkout -- tests/reference-cases) or regenerate it with tests/reference-cases/regenerate.py.");

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "reference-cases");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A theory over the reference cases (a plain theory: the cases are in the repository, so it never skips).</summary>
public sealed class ReferenceCaseTheoryAttribute : TheoryAttribute;

/// <summary>A fact that needs the reference cases (a plain fact: the cases are in the repository, so it never skips).</summary>
public sealed class ReferenceCaseFactAttribute : FactAttribute;
