using System.Diagnostics;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>Timing helpers: warm up, repeat, report the median (the machine is shared and noisy).</summary>
public static class Measure
{
    public static double MedianMilliseconds(Action action, int warmups, int repeats)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeats);
        for (var i = 0; i < warmups; i++) action();
        var samples = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            samples[i] = Milliseconds(action);
        }
        return Median(samples);
    }

    /// <summary>
    /// Medians of several variants measured in alternation (A, B, C, A, B, C, ...) after warming each up, so that a
    /// change in the machine's load during the measurement affects every variant alike instead of the last one.
    /// </summary>
    public static double[] InterleavedMedianMilliseconds(IReadOnlyList<Action> variants, int warmups, int repeats)
    {
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeats);
        foreach (var variant in variants)
        {
            for (var i = 0; i < warmups; i++) variant();
        }
        var samples = variants.Select(_ => new double[repeats]).ToArray();
        for (var round = 0; round < repeats; round++)
        {
            for (var v = 0; v < variants.Count; v++)
            {
                samples[v][round] = Milliseconds(variants[v]);
            }
        }
        return [.. samples.Select(Median)];
    }

    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double Milliseconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }
}
