using System.Globalization;

namespace NanoVlm.Client.Charts;

/// <summary>How the run page draws its charts; changed by the controls above them.</summary>
public sealed record RunChartOptions
{
    public XAxisKind XAxis { get; init; } = XAxisKind.Step;

    /// <summary>TensorBoard-style smoothing weight in [0, 1).</summary>
    public double Smoothing { get; init; } = 0.6;

    public bool LogLoss { get; init; }

    /// <summary>Zoom to this step range (inclusive); null = all steps.</summary>
    public (long From, long To)? StepRange { get; init; }

    public bool Shows(long step) => StepRange is not { } range || (step >= range.From && step <= range.To);

    /// <summary>What a chart says when nothing recorded falls in the range (with no range: nothing recorded yet).</summary>
    public string EmptyText => StepRange switch
    {
        null => "no data yet",
        { To: long.MaxValue } range => string.Create(CultureInfo.InvariantCulture, $"nothing recorded from step {range.From} on"),
        { } range => string.Create(CultureInfo.InvariantCulture, $"nothing recorded between steps {range.From} and {range.To}"),
    };
}
