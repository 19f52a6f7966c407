namespace NanoVlm.Client.Charts;

/// <summary>TensorBoard's smoothing: an exponential moving average, debiased so the start is not pulled to zero.</summary>
public static class Smoothing
{
    /// <param name="weight">0 = no smoothing, towards 1 = smoother (TensorBoard's slider)</param>
    public static double[] DebiasedEma(IReadOnlyList<double> values, double weight)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (weight is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "Smoothing weight must be in [0, 1).");
        }
        var smoothed = new double[values.Count];
        var accumulator = 0.0;
        var finiteCount = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (!double.IsFinite(value))
            {
                // Non-finite points don't poison the average; they stay visible as markers of their own.
                smoothed[i] = value;
                continue;
            }
            finiteCount++;
            accumulator = accumulator * weight + (1 - weight) * value;
            var debias = weight == 0 ? 1 : 1 - Math.Pow(weight, finiteCount);
            smoothed[i] = accumulator / debias;
        }
        return smoothed;
    }
}
