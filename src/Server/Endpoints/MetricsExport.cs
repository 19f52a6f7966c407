using System.Globalization;
using System.Text;
using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Endpoints;

/// <summary>A run's metrics as CSV (for spreadsheets) or JSON Lines (for scripts), NaN and ±Inf spelled out.</summary>
public static class MetricsExport
{
    private static readonly string[] Columns =
        ["step", "tokens_seen", "elapsed_seconds", "loss", "grad_norm", "lr_projector", "lr_vision", "lr_language", "loss_scale", "tokens_per_second", "precision", "skipped"];

    private static readonly JsonSerializerOptions JsonLines = CreateJsonLinesOptions();

    public static string ToCsv(IEnumerable<MetricSample> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder().AppendLine(string.Join(',', Columns));
        foreach (var m in metrics)
        {
            text.AppendLine(string.Join(',',
                m.Step.ToString(CultureInfo.InvariantCulture), m.TokensSeen.ToString(CultureInfo.InvariantCulture),
                Number(m.ElapsedSeconds), Number(m.Loss), Number(m.GradNorm), Number(m.LearningRateProjector),
                Number(m.LearningRateVision), Number(m.LearningRateLanguage), Number(m.LossScale), Number(m.TokensPerSecond),
                m.Precision, m.Skipped ? "true" : "false"));
        }
        return text.ToString();
    }

    public static string ToJsonLines(IEnumerable<MetricSample> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder();
        foreach (var m in metrics)
        {
            text.AppendLine(JsonSerializer.Serialize(m, JsonLines));
        }
        return text.ToString();
    }

    public static IEndpointRouteBuilder MapMetricsExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/runs/{id}/metrics.csv", (string id, IRunQueries store) => store.GetRun(id) is null
            ? RunsEndpoints.RunNotFound(id)
            : Results.File(Encoding.UTF8.GetBytes(ToCsv(store.GetMetrics(id))), "text/csv", $"{id}-metrics.csv"));
        endpoints.MapGet("/api/runs/{id}/metrics.jsonl", (string id, IRunQueries store) => store.GetRun(id) is null
            ? RunsEndpoints.RunNotFound(id)
            : Results.File(Encoding.UTF8.GetBytes(ToJsonLines(store.GetMetrics(id))), "application/jsonl", $"{id}-metrics.jsonl"));
        return endpoints;
    }

    private static string Number(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static JsonSerializerOptions CreateJsonLinesOptions()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        ApiJson.Configure(options);
        return options;
    }
}
