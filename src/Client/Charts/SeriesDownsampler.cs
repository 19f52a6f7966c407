namespace NanoVlm.Client.Charts;

/// <summary>
/// Thins a long series for drawing without hiding what matters: the X range is cut into buckets and each keeps
/// its minimum, maximum and last finite point (so spikes survive), in X order. Non-finite points are never
/// thinned here: the renderer draws every one of them as a marker.
/// </summary>
public static class SeriesDownsampler
{
    public static (double[] X, double[] Y) Downsample(IReadOnlyList<double> x, IReadOnlyList<double> y, int buckets)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"X has {x.Count} points but Y has {y.Count}.");
        }
        var finite = Enumerable.Range(0, x.Count).Where(i => double.IsFinite(y[i]) && double.IsFinite(x[i])).ToList();
        if (finite.Count <= buckets * 3)
        {
            return (finite.Select(i => x[i]).ToArray(), finite.Select(i => y[i]).ToArray());
        }

        var first = x[finite[0]];
        var last = x[finite[^1]];
        var width = (last - first) / buckets;
        var keptX = new List<double>(buckets * 3);
        var keptY = new List<double>(buckets * 3);
        var start = 0;
        while (start < finite.Count)
        {
            var bucket = width > 0 ? Math.Min(buckets - 1, (int)((x[finite[start]] - first) / width)) : 0;
            var end = start;
            int minIndex = finite[start], maxIndex = finite[start];
            while (end < finite.Count && (width > 0 ? Math.Min(buckets - 1, (int)((x[finite[end]] - first) / width)) : 0) == bucket)
            {
                var index = finite[end];
                if (y[index] < y[minIndex]) minIndex = index;
                if (y[index] > y[maxIndex]) maxIndex = index;
                end++;
            }
            var lastIndex = finite[end - 1];
            foreach (var index in new[] { minIndex, maxIndex, lastIndex }.Distinct().Order())
            {
                keptX.Add(x[index]);
                keptY.Add(y[index]);
            }
            start = end;
        }
        return ([.. keptX], [.. keptY]);
    }
}
