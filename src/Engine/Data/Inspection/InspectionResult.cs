using System.Text.Json;
using System.Text.Json.Nodes;

namespace NanoVlm.Engine.Data;

/// <summary>A row that was skipped, as listed by <c>dataset inspect</c>.</summary>
public sealed record InspectionProblem(long Row, string Reason);

/// <summary>
/// What <c>dataset inspect</c> found. <see cref="ToJson"/> gives what the verb prints:
/// <c>{"format", "samples", "images", "skipped", "problems": [{"row", "reason"}, ...]}</c> plus
/// <c>questions</c> (turns over all samples), <c>unanswered</c> (samples without answers, e.g. a test
/// split) and each observer's summary.
/// </summary>
public sealed record InspectionResult(
    DocVqaFormat Format,
    long Samples,
    long Images,
    long Skipped,
    long Questions,
    long Unanswered,
    IReadOnlyList<InspectionProblem> Problems,
    IReadOnlyDictionary<string, JsonNode?> Observations,
    TimeSpan Elapsed)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string ToJson(bool indented = true)
    {
        var json = new JsonObject
        {
            ["format"] = Format.ToName(),
            ["samples"] = Samples,
            ["images"] = Images,
            ["skipped"] = Skipped,
            ["questions"] = Questions,
            ["unanswered"] = Unanswered,
            ["problems"] = new JsonArray(Problems
                .Select(problem => (JsonNode)new JsonObject { ["row"] = problem.Row, ["reason"] = problem.Reason })
                .ToArray()),
        };
        foreach (var (key, value) in Observations)
        {
            json[key] = value?.DeepClone();
        }
        return indented ? json.ToJsonString(Indented) : json.ToJsonString();
    }
}
