using NanoVlm.Client.Charts;
using NanoVlm.Engine.Benchmarks;

namespace NanoVlm.Server.Benchmarks;

/// <summary>
/// Server time to render a long loss curve to SVG, as a run page does for its chart: raw and smoothed series of
/// <see cref="Points"/> steps each.
/// </summary>
internal static class ChartRenderBenchmark
{
    public const int Points = 100_000;

    public static double MedianMilliseconds(int repeats)
    {
        var steps = Enumerable.Range(1, Points).Select(i => (double)i).ToArray();
        var losses = steps.Select(step => 2 + 8 / Math.Sqrt(step) + 0.05 * Math.Sin(step)).ToArray();
        var model = new ChartModel("Train loss", "step", "loss",
        [
            new ChartSeries("raw", steps, losses, "#9fa8da"),
            new ChartSeries("smoothed", steps, Smoothing.DebiasedEma(losses, 0.6), "#3949ab"),
        ]);
        return Measure.MedianMilliseconds(() => ChartRenderer.RenderSvg(model, 620, 280), warmups: 2, repeats: repeats);
    }
}
