using System.Text.Json;
using NanoVlm.Engine.Benchmarks;

namespace NanoVlm.Server.Benchmarks;

/// <summary>The dashboard path: metrics stored per second, and server time to render a long loss curve.</summary>
internal sealed record DashboardFigures(int Metrics, double MetricsPerSecond, int ChartPoints, double ChartRenderMs);

/// <summary>
/// Everything <c>bench --json FILE</c> writes, field names in snake_case (documented in docs/benchmarks.md).
/// </summary>
internal sealed record BenchReport(
    string Command,
    bool Quick,
    DateTime MeasuredAtUtc,
    double DurationSeconds,
    MachineFigures Machine,
    double LoadAverageAtEnd,
    MemoryFigures[] Memory,
    MatmulPeakFigures MatmulPeak,
    TrainingFigures[] Training,
    GenerationFigures[] Generation,
    DataFigures Data,
    DashboardFigures Dashboard,
    TargetCheck[] Targets)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
