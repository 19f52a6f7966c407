using NanoVlm.Client.Charts;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

public sealed class ChartTests
{
    [Fact]
    public void DownsamplingKeepsASingleSpikeAndStaysWithinBudget()
    {
        var x = Enumerable.Range(0, 100_000).Select(i => (double)i).ToArray();
        var y = x.Select(v => 2.0 + Math.Sin(v / 500) * 0.1).ToArray();
        y[73_456] = 50;
        var (thinX, thinY) = SeriesDownsampler.Downsample(x, y, buckets: 200);
        Assert.True(thinX.Length <= 600, $"{thinX.Length} points");
        Assert.Contains(50.0, thinY);
        Assert.Contains(73_456.0, thinX);
        Assert.Equal(thinX.Order(), thinX);
    }

    [Fact]
    public void DownsamplingLeavesNonFinitePointsToTheRenderer()
    {
        var (thinX, thinY) = SeriesDownsampler.Downsample([1, 2, 3, 4], [1.0, double.NaN, double.PositiveInfinity, 0.5], buckets: 10);
        Assert.Equal([1.0, 4.0], thinX);
        Assert.Equal([1.0, 0.5], thinY);
    }

    [Fact]
    public void DebiasedEmaStartsAtTheFirstValueAndSkipsNaN()
    {
        var smoothed = Smoothing.DebiasedEma([4.0, double.NaN, 2.0], 0.9);
        Assert.Equal(4.0, smoothed[0], 12);
        Assert.True(double.IsNaN(smoothed[1]));
        // (0.9·0.1·4 + 0.1·2) / (1 − 0.81)
        Assert.Equal((0.9 * 0.1 * 4 + 0.1 * 2) / (1 - 0.81), smoothed[2], 12);
        Assert.Equal([1.0, 2.0], Smoothing.DebiasedEma([1.0, 2.0], 0));
    }

    [Fact]
    public void NonFinitePointsAppearAsCountedFailureMarkers()
    {
        var model = new ChartModel("Train loss", "step", "loss",
            [new ChartSeries("loss", [1, 2, 3, 4, 5], [3.0, 2.5, double.NaN, double.PositiveInfinity, 2.0], "#3949ab")])
        {
            Annotations = [new ChartAnnotation(3, "fp16 → bf16", "#00897b")],
            ShadedRanges = [new ChartRange(3, 4)],
        };
        var svg = ChartRenderer.RenderSvg(model, 600, 300);
        Assert.StartsWith("<svg", svg.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("non-finite (2)", svg, StringComparison.Ordinal);
        Assert.Contains("fp16 → bf16", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void AllNaNSeriesStillRendersItsFailures()
    {
        var model = new ChartModel("Train loss", "step", "loss", [new ChartSeries("loss", [1, 2], [double.NaN, double.NaN], "#3949ab")]);
        Assert.Contains("non-finite (2)", ChartRenderer.RenderSvg(model, 400, 200), StringComparison.Ordinal);
    }

    [Fact]
    public void LogScaleTreatsNonPositiveValuesAsFailures()
    {
        var model = new ChartModel("Loss scale", "step", "scale", [new ChartSeries("scale", [1, 2, 3], [65536.0, 0.0, 32768.0], "#3949ab")]) { LogY = true };
        Assert.Contains("non-finite (1)", ChartRenderer.RenderSvg(model, 400, 200), StringComparison.Ordinal);
    }
    [Fact]
    public void HeadroomChartFollowsTheTightestModulesAgainstTheWarningAndOverflowLines()
    {
        static ModuleHeadroomInfo Module(string name, double headroom) => new(name, headroom > 0 ? 65504 / headroom : double.PositiveInfinity, headroom);
        string[] names = ["m.a", "m.b", "m.c", "m.d", "m.e", "m.f"];
        var samples = Enumerable.Range(0, 5).Select(i => new HeadroomSample(1 + (i * 10), 8,
        [
            .. names.Select((name, j) => Module(name, (j + 1) * 1000.0 / (i + 1))),
            Module("m.zero", double.PositiveInfinity), // an all-zero output: nothing to draw, not a failure
        ])).ToList();
        samples.Add(new HeadroomSample(51, 8, [Module("m.a", 0), .. names.Skip(1).Select(n => Module(n, 50))]));

        var model = HeadroomChart.Build(samples, [], [], new RunChartOptions());
        Assert.True(model.LogY);
        Assert.Equal(["minimum (all modules)", "m.a", "m.b", "m.c", "m.d"], model.Series.Select(s => s.Name));
        Assert.Equal([1.0, 11, 21, 31, 41, 51], model.Series[0].X);
        Assert.Equal(0, model.Series[0].Y[^1]);
        Assert.Equal([8.0, 1.0], model.Thresholds.Select(t => t.Y));

        var svg = ChartRenderer.RenderSvg(model, 600, 300);
        Assert.Contains("warning 8×", svg, StringComparison.Ordinal);
        Assert.Contains("overflow 1×", svg, StringComparison.Ordinal);
        Assert.Contains("non-finite (1)", svg, StringComparison.Ordinal); // the overflowed module at step 51
        Assert.DoesNotContain("m.zero", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void HeadroomChartWithoutMeasurementsSaysSo()
    {
        var svg = ChartRenderer.RenderSvg(HeadroomChart.Build([], [], [], new RunChartOptions()), 400, 200);
        Assert.Contains("no data yet", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidationChartFollowsTheStepRange()
    {
        var metrics = Enumerable.Range(1, 400).Select(step => Metric(step)).ToList();
        EvaluationSample[] evaluations = [new(100, 3, 0.1), new(200, 2, 0.2), new(300, 1.5, 0.3), new(400, 1.2, 0.4)];
        var charts = RunCharts.Build(metrics, evaluations, [], new RunChartOptions { StepRange = (150, 250) });

        var validation = charts.Single(c => c.Title == "Validation");
        Assert.All(validation.Series, series => Assert.Equal([200.0], series.X));
        Assert.Equal(101, charts.Single(c => c.Title == "Train loss").Series[0].X.Count);
    }

    [Fact]
    public void ARangeWithNothingInItSaysSoRatherThanNoDataYet()
    {
        var metrics = Enumerable.Range(1, 100).Select(step => Metric(step)).ToList();
        var charts = RunCharts.Build(metrics, [new EvaluationSample(100, 2, null)], [], new RunChartOptions { StepRange = (500, 600) });
        foreach (var chart in charts)
        {
            var svg = ChartRenderer.RenderSvg(chart, 400, 200);
            Assert.Contains("nothing recorded between steps 500 and 600", svg, StringComparison.Ordinal);
            Assert.DoesNotContain("no data yet", svg, StringComparison.Ordinal);
        }
        var open = RunCharts.Build(metrics, [], [], new RunChartOptions { StepRange = (500, long.MaxValue) });
        Assert.Contains("nothing recorded from step 500 on", ChartRenderer.RenderSvg(open[0], 400, 200), StringComparison.Ordinal);
    }

    private static MetricSample Metric(long step) => new(step, step * 100, step, 3.0 / step, 1, 1e-3, 0, 1e-4, 1, 1000, "fp32", false);
}
