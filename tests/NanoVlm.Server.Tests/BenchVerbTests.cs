using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Tests;

/// <summary>
/// <c>bench --quick --json FILE</c> with the least work (batch 1, one repeat, 4 new tokens): every field documented in
/// docs/benchmarks.md is in the report with a value in its documented range, and every field of the report is
/// documented. The figures themselves are not judged here (speed targets are for the published figures).
/// </summary>
public sealed partial class BenchVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nanovlm-bench-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task QuickBenchWritesEveryDocumentedFigure()
    {
        var json = Path.Combine(_folder, "bench.json");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(
            ["bench", "--quick", "--batch-size", "1", "--repeats", "1", "--new-tokens", "4", "--json", json], output, error);
        Assert.True(code == 0, $"bench exited {code}: {error}\n{output}");
        foreach (var section in new[] { "machine:", "peak memory", "matmul peak", "training", "generation", "data", "dashboard:", "target" })
            Assert.Contains(section, output.ToString(), StringComparison.Ordinal);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var documented = DocumentedFields();
        Assert.NotEmpty(documented);
        foreach (var (path, range) in documented)
        {
            var values = Resolve(report.RootElement, path);
            Assert.True(values.Count > 0, $"{path} is documented but not in the report");
            foreach (var value in values) AssertInRange(path, range, value);
        }

        var written = new SortedSet<string>(StringComparer.Ordinal);
        CollectLeaves(report.RootElement, "", written);
        var undocumented = written.Except(documented.Select(d => d.Path)).ToArray();
        Assert.True(undocumented.Length == 0, "not documented in docs/benchmarks.md: " + string.Join(", ", undocumented));

        // Both training presets, both generation presets and every synthetic difficulty, even in --quick.
        Assert.Equal(["small", "tiny"], report.RootElement.GetProperty("training").EnumerateArray().Select(t => t.GetProperty("preset").GetString()!).Distinct().Order());
        Assert.Equal(2, report.RootElement.GetProperty("generation").GetArrayLength());
        Assert.Equal(3, report.RootElement.GetProperty("data").GetProperty("synthetic").GetArrayLength());
        Assert.All(report.RootElement.GetProperty("generation").EnumerateArray(), g => Assert.True(g.GetProperty("identical_tokens").GetBoolean()));
    }

    [Fact]
    public async Task BenchRejectsAZeroBatchSize()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(["bench", "--batch-size", "0"], output, error);
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("--batch-size", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The rows of the field tables in docs/benchmarks.md: <c>| `path` | range | meaning |</c>.</summary>
    private static List<(string Path, string Range)> DocumentedFields()
    {
        var docs = Path.Combine(RepositoryRoot(), "docs", "benchmarks.md");
        return [.. File.ReadLines(docs)
            .Select(line => FieldRow().Match(line))
            .Where(match => match.Success)
            .Select(match => (match.Groups["path"].Value, match.Groups["range"].Value.Trim()))];
    }

    private static void AssertInRange(string path, string range, JsonElement value)
    {
        switch (range)
        {
            case "text":
                Assert.True(value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0, $"{path} should be non-empty text, is {value}");
                return;
            case "text or null":
                Assert.True(value.ValueKind == JsonValueKind.Null || (value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0), $"{path} should be non-empty text or null, is {value}");
                return;
            case "bool":
                Assert.True(value.ValueKind is JsonValueKind.True or JsonValueKind.False, $"{path} should be true or false, is {value}");
                return;
            case "bool or null":
                Assert.True(value.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null, $"{path} should be true, false or null, is {value}");
                return;
        }
        Assert.True(value.ValueKind == JsonValueKind.Number, $"{path} should be a number, is {value}");
        var number = value.GetDouble();
        Assert.True(double.IsFinite(number), $"{path} is {number}");
        switch (range)
        {
            case "> 0":
                Assert.True(number > 0, $"{path} should be positive, is {number.ToString(CultureInfo.InvariantCulture)}");
                break;
            case ">= 0":
                Assert.True(number >= 0, $"{path} should not be negative, is {number.ToString(CultureInfo.InvariantCulture)}");
                break;
            case "any":
                break;
            default:
                Assert.Fail($"docs/benchmarks.md gives {path} the unknown range '{range}' (use text, text or null, bool, bool or null, > 0, >= 0 or any)");
                break;
        }
    }

    /// <summary>The values at a documented path: <c>a.b</c>, with <c>[]</c> meaning every element of an array.</summary>
    private static List<JsonElement> Resolve(JsonElement root, string path)
    {
        var current = new List<JsonElement> { root };
        foreach (var part in path.Split('.'))
        {
            var name = part.EndsWith("[]", StringComparison.Ordinal) ? part[..^2] : part;
            var next = new List<JsonElement>();
            foreach (var element in current)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var child)) continue;
                if (part.EndsWith("[]", StringComparison.Ordinal))
                {
                    if (child.ValueKind == JsonValueKind.Array) next.AddRange(child.EnumerateArray());
                }
                else
                {
                    next.Add(child);
                }
            }
            current = next;
        }
        return current;
    }

    private static void CollectLeaves(JsonElement element, string path, ISet<string> leaves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    CollectLeaves(property.Value, path.Length == 0 ? property.Name : path + "." + property.Name, leaves);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) CollectLeaves(item, path + "[]", leaves);
                break;
            default:
                leaves.Add(path);
                break;
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NanoVlm.Web.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("The repository root (NanoVlm.Web.sln) is not above the test's folder.");
    }

    [GeneratedRegex(@"^\|\s*`(?<path>[a-z0-9_.\[\]]+)`\s*\|(?<range>[^|]+)\|")]
    private static partial Regex FieldRow();
}
