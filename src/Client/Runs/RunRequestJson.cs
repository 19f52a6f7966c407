using System.Text.Json;
using System.Text.Json.Serialization;

namespace NanoVlm.Client.Runs;

/// <summary>How a run request is written to and read from a JSON file (snake_case, unknown fields refused).</summary>
public static class RunRequestJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };
}
