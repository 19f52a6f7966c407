using System.Globalization;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Charts;

/// <summary>
/// The per-layer fp16 headroom chart (65504 / max|a|, log scale): the tightest module over all modules at each
/// measurement, and the modules that are tightest at the latest one, against the warning line (the run's
/// <c>headroom_warn_factor</c>, 8× by default) and the overflow line (1×). A module whose output was already
/// non-finite has headroom 0 and shows as a failure marker; an all-zero module (+∞) has nothing to draw.
/// </summary>
public static class HeadroomChart
{
    public const string Title = "fp16 headroom";

    /// <summary>How many of the tightest modules get their own line beside the minimum.</summary>
    public const int ModuleLines = 4;

    private const double DefaultWarnFactor = 8;
    private static readonly string[] Palette = ["#3949ab", "#00897b", "#8e24aa", "#6d4c41", "#00acc1"];

    public static ChartModel Build(IReadOnlyList<HeadroomSample> samples, IReadOnlyList<MetricSample> metrics,
        IReadOnlyList<RunEventInfo> events, RunChartOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(options);
        var shown = samples.Where(s => options.Shows(s.Step)).ToList();
        double X(long step) => RunCharts.XAtStep(metrics, step, options.XAxis);

        var series = new List<ChartSeries>();
        if (shown.Count > 0)
        {
            series.Add(Line("minimum (all modules)", shown.Select(s => (s.Step, s.Minimum)), X, "#d32f2f") with { LineWidth = 2.5 });
            var tightest = shown[^1].Modules.Where(m => !double.IsPositiveInfinity(m.Headroom))
                .OrderBy(m => m.Headroom).Take(ModuleLines).Select(m => m.Module).ToList();
            series.AddRange(tightest.Select((module, i) => Line(module,
                shown.Select(s => (s.Step, s.Modules.FirstOrDefault(m => m.Module == module)?.Headroom ?? double.PositiveInfinity)),
                X, Palette[i % Palette.Length])));
        }
        var warnFactor = samples.Count > 0 ? samples[^1].WarnFactor : DefaultWarnFactor;
        return new ChartModel(Title, RunCharts.XLabel(options.XAxis), "65504 / max|a|", series)
        {
            LogY = true,
            EmptyText = options.EmptyText,
            Annotations = RunCharts.Annotations(events, metrics, options.XAxis),
            Thresholds =
            [
                new ChartThreshold(warnFactor, string.Create(CultureInfo.InvariantCulture, $"warning {warnFactor:0.#}×"), "#f57c00"),
                new ChartThreshold(1, "overflow 1×", ChartRenderer.FailureColor),
            ],
        };
    }

    /// <summary>A line through the measured points; +∞ (nothing to measure) is left out rather than drawn as a failure.</summary>
    private static ChartSeries Line(string name, IEnumerable<(long Step, double Headroom)> points, Func<long, double> x, string color)
    {
        var kept = points.Where(p => !double.IsPositiveInfinity(p.Headroom)).ToArray();
        return new ChartSeries(name, [.. kept.Select(p => x(p.Step))], [.. kept.Select(p => p.Headroom)], color) { PointsOnly = kept.Length < 3 };
    }
}
