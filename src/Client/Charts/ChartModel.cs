namespace NanoVlm.Client.Charts;

/// <summary>One line of a chart. <see cref="Y"/> may hold NaN or ±∞: those points are drawn as failure markers.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color)
{
    /// <summary>Draw markers only (e.g. sparse validation points), no connecting line.</summary>
    public bool PointsOnly { get; init; }

    public double LineWidth { get; init; } = 1.5;
}

/// <summary>A vertical line with a label: a precision switch, a rollback, a resume.</summary>
public sealed record ChartAnnotation(double X, string Label, string Color);

/// <summary>A horizontal reference line with a label, e.g. a warning threshold.</summary>
public sealed record ChartThreshold(double Y, string Label, string Color);

/// <summary>An X range to shade, e.g. steps the NaN guard skipped.</summary>
public sealed record ChartRange(double From, double To);

/// <summary>Everything one chart shows; rendered server-side by <see cref="ChartRenderer"/>.</summary>
public sealed record ChartModel(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series)
{
    public IReadOnlyList<ChartAnnotation> Annotations { get; init; } = [];

    public IReadOnlyList<ChartRange> ShadedRanges { get; init; } = [];

    /// <summary>Horizontal lines, always inside the Y range shown.</summary>
    public IReadOnlyList<ChartThreshold> Thresholds { get; init; } = [];

    public bool LogY { get; init; }

    /// <summary>What an empty chart says: nothing recorded yet, or nothing in the chosen range.</summary>
    public string EmptyText { get; init; } = "no data yet";

    /// <summary>Zoom: only this X range is shown (null = everything).</summary>
    public (double From, double To)? XRange { get; init; }
}
