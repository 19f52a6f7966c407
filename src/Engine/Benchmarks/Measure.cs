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
            var clock = Stopwatch.StartNew();
            action();
            samples[i] = clock.Elapsed.TotalMilliseconds;
        }
        return Median(samples);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
