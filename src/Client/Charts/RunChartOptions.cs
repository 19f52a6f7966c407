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
}
