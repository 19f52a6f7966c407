using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace NanoVlm.Client.Charts;

/// <summary>One drawn series as the pointer read-out sees it: the points actually plotted, with their recorded values.</summary>
public sealed record PointerSeries(string Name, string Color, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A rendered chart: its SVG, and the JSON the page's pointer read-out (wwwroot/js/chart-pointer.js) reads; null when nothing is drawn.</summary>
public sealed record RenderedChart(string Svg, string? PointerJson);

/// <summary>
/// What the browser needs to show the value under the pointer on a chart drawn on the server: where the data area
/// lies in the SVG (pixels of the <c>width</c>×<c>height</c> render, which CSS may scale), the axis limits, and each
/// series' plotted points. The script turns the pointer's X into data units and shows every series' nearest point.
/// </summary>
/// <remarks>
/// The format, kept short because it travels with every redraw: <c>w</c>, <c>h</c> (render size), <c>l</c>, <c>r</c>,
/// <c>t</c>, <c>b</c> (data area), <c>x0</c>, <c>x1</c> (X limits), <c>xl</c> (X label), <c>s</c> (series: <c>n</c>
/// name, <c>c</c> colour, <c>x</c>, <c>y</c>). Y values keep 5 significant digits: the read-out shows 4.
/// </remarks>
public static class ChartPointerData
{
    public static string Write(ChartModel model, int width, int height, PixelRect dataArea, AxisLimits limits, IReadOnlyList<PointerSeries> series)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(series);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("w", width);
            json.WriteNumber("h", height);
            json.WriteNumber("l", Math.Round(dataArea.Left, 1));
            json.WriteNumber("r", Math.Round(dataArea.Right, 1));
            json.WriteNumber("t", Math.Round(dataArea.Top, 1));
            json.WriteNumber("b", Math.Round(dataArea.Bottom, 1));
            json.WriteNumber("x0", limits.Left);
            json.WriteNumber("x1", limits.Right);
            json.WriteString("xl", model.XLabel);
            json.WriteStartArray("s");
            foreach (var line in series)
            {
                json.WriteStartObject();
                json.WriteString("n", line.Name);
                json.WriteString("c", line.Color);
                json.WriteStartArray("x");
                foreach (var x in line.X)
                {
                    json.WriteNumberValue(x);
                }
                json.WriteEndArray();
                json.WriteStartArray("y");
                foreach (var y in line.Y)
                {
                    json.WriteNumberValue(double.IsFinite(y) ? double.Parse(y.ToString("G5", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : 0);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
