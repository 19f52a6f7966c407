using System.Globalization;
using ScottPlot;

namespace NanoVlm.Client.Charts;

/// <summary>
/// Renders a <see cref="ChartModel"/> to SVG with ScottPlot on the server. Failures are never hidden: every
/// non-finite point becomes a red triangle at the top edge, skipped ranges are shaded, annotations are
/// labelled vertical lines and thresholds horizontal lines named in the legend. Long series are thinned by <see cref="SeriesDownsampler"/> first.
/// </summary>
public static class ChartRenderer
{
    public const string FailureColor = "#d32f2f";
    private const string FontName = "DejaVu Sans";

    public static string RenderSvg(ChartModel model, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(model);
        var plot = new Plot();
        plot.Font.Set(FontName);
        plot.Title(model.Title, size: 14);
        plot.XLabel(model.XLabel, size: 12);
        plot.YLabel(model.LogY ? $"{model.YLabel} (log)" : model.YLabel, size: 12);
        var buckets = Math.Max(50, width / 2);

        // One marker per X: a raw curve and its smoothed twin fail at the same steps.
        var failures = new SortedSet<double>();
        var anyFinite = false;
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        foreach (var series in model.Series)
        {
            var (xs, ys) = Visible(series, model.XRange);
            failures.UnionWith(xs.Where((_, i) => !double.IsFinite(ys[i]) || (model.LogY && ys[i] <= 0)));
            var (thinX, thinY) = SeriesDownsampler.Downsample(xs, model.LogY ? ys.Select(LogOrNaN).ToArray() : ys, buckets);
            if (thinX.Length == 0)
            {
                continue;
            }
            anyFinite = true;
            yMin = Math.Min(yMin, thinY.Min());
            yMax = Math.Max(yMax, thinY.Max());
            var scatter = plot.Add.Scatter(thinX, thinY, Color.FromHex(series.Color));
            scatter.LegendText = series.Name;
            scatter.LineWidth = series.PointsOnly ? 0 : (float)series.LineWidth;
            scatter.MarkerSize = series.PointsOnly || thinX.Length == 1 ? 6 : 0;
        }
        // Thresholds stay in view once there is data (a warning line far below the curve is the point).
        foreach (var threshold in anyFinite ? model.Thresholds : [])
        {
            var y = model.LogY ? LogOrNaN(threshold.Y) : threshold.Y;
            if (double.IsFinite(y))
            {
                yMin = Math.Min(yMin, y);
                yMax = Math.Max(yMax, y);
            }
        }
        if (!anyFinite)
        {
            yMin = 0;
            yMax = 1;
            if (failures.Count == 0)
            {
                var placeholder = plot.Add.Text(model.EmptyText, 0.5, 0.5);
                placeholder.LabelFontSize = 14;
                placeholder.LabelFontColor = Colors.Gray;
                placeholder.LabelAlignment = Alignment.MiddleCenter;
                plot.Axes.SetLimitsX(0, 1);
            }
        }
        var span = yMax - yMin;
        var top = yMax + (span > 0 ? span * 0.08 : 1);
        var bottom = yMin - (span > 0 ? span * 0.04 : 1);

        foreach (var range in model.ShadedRanges)
        {
            var shade = plot.Add.Rectangle(range.From, range.To, bottom, top);
            shade.FillStyle.Color = Color.FromHex("#ffb300").WithAlpha(0.25);
            shade.LineStyle.Width = 0;
        }
        foreach (var annotation in model.Annotations)
        {
            var line = plot.Add.VerticalLine(annotation.X, 1.5f, Color.FromHex(annotation.Color), LinePattern.Dashed);
            line.LabelText = annotation.Label;
            line.LabelFontSize = 11;
            line.LabelOppositeAxis = true;
        }
        foreach (var threshold in model.Thresholds)
        {
            var y = model.LogY ? LogOrNaN(threshold.Y) : threshold.Y;
            if (!double.IsFinite(y))
            {
                continue;
            }
            // In the legend: thresholds close together on a log axis would overlap as edge labels.
            var line = plot.Add.HorizontalLine(y, 1.5f, Color.FromHex(threshold.Color), LinePattern.Dashed);
            line.LegendText = threshold.Label;
        }
        if (failures.Count > 0)
        {
            var markers = plot.Add.ScatterPoints(failures.ToArray(), Enumerable.Repeat(top, failures.Count).ToArray(), Color.FromHex(FailureColor));
            markers.MarkerShape = MarkerShape.FilledTriangleDown;
            markers.MarkerSize = 9;
            markers.LegendText = string.Create(CultureInfo.InvariantCulture, $"non-finite ({failures.Count})");
        }

        if (model.LogY)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = value => Math.Pow(10, value).ToString("G3", CultureInfo.InvariantCulture),
            };
        }
        plot.Axes.SetLimitsY(bottom, top + (span > 0 ? span * 0.04 : 0.5));
        if (model.XRange is { } zoom)
        {
            plot.Axes.SetLimitsX(zoom.From, zoom.To);
        }
        plot.ShowLegend(Alignment.UpperRight);
        var svg = plot.GetSvgXml(width, height);
        // Inline in HTML: drop the XML declaration, and give the root a viewBox so CSS can scale it to its cell.
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        svg = start > 0 ? svg[start..] : svg;
        return svg.Insert("<svg".Length, string.Create(CultureInfo.InvariantCulture, $" viewBox=\"0 0 {width} {height}\""));
    }

    private static (double[] X, double[] Y) Visible(ChartSeries series, (double From, double To)? range)
    {
        if (range is not { } zoom)
        {
            return ([.. series.X], [.. series.Y]);
        }
        var indices = Enumerable.Range(0, series.X.Count).Where(i => series.X[i] >= zoom.From && series.X[i] <= zoom.To).ToArray();
        return (indices.Select(i => series.X[i]).ToArray(), indices.Select(i => series.Y[i]).ToArray());
    }

    private static double LogOrNaN(double value) => value > 0 ? Math.Log10(value) : double.NaN;
}
