using System.Text.Json;
using System.Text.Json.Serialization;

namespace NanoVlm.Client.Services;

/// <summary>
/// One step of a NaN alert's flight recorder as the dashboard shows it: what the step did, its loss, gradient norm and
/// loss scale, the largest |output| of the modules nearest fp16's limit, and its samples. A NaN alert carries the
/// recorder as JSON under <see cref="DetailsKey"/> in its details (oldest step first, the failing step last).
/// </summary>
public sealed record FlightRecordInfo(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("grad_norm")] double GradNorm,
    [property: JsonPropertyName("loss_scale")] double? LossScale,
    [property: JsonPropertyName("precision")] string Precision,
    [property: JsonPropertyName("modules")] IReadOnlyList<ModuleMaxInfo> Modules,
    [property: JsonPropertyName("sample_ids")] IReadOnlyList<string> SampleIds)
{
    /// <summary>The alert detail that holds the recorder.</summary>
    public const string DetailsKey = "flight recorder";

    /// <summary>The alert detail that lists the modules the diagnosis would pin, comma-separated.</summary>
    public const string PinCandidatesKey = "pin candidates";

    /// <summary>Non-finite numbers written as "NaN"/"Infinity": a failing step's loss is one.</summary>
    public static JsonSerializerOptions Json { get; } = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The recorder of an alert, or empty when it has none (or the detail cannot be read).</summary>
    public static IReadOnlyList<FlightRecordInfo> Of(RunEventInfo alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!alert.Details.TryGetValue(DetailsKey, out var json)) return [];
        try
        {
            return JsonSerializer.Deserialize<FlightRecordInfo[]>(json, Json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

/// <summary>The largest |output| of one module in one recorded step (NaN or ∞ when it went non-finite).</summary>
public sealed record ModuleMaxInfo(
    [property: JsonPropertyName("module")] string Module,
    [property: JsonPropertyName("max_abs")] double MaxAbs);
