namespace NanoVlm.Engine.Training.Guard;

/// <summary>Flags a loss above <c>factor ×</c> the median of the last <c>window</c> finite losses (once there are that many).</summary>
public sealed class LossSpikeDetector(double factor, int window)
{
    private readonly Queue<double> _recent = new();

    /// <summary>The median the loss was compared with when it is a spike, else null. Records a finite loss.</summary>
    public double? Observe(double loss)
    {
        if (!double.IsFinite(loss)) return null;
        double? spikeMedian = null;
        if (_recent.Count == window)
        {
            var sorted = _recent.Order().ToArray();
            var median = window % 2 == 1 ? sorted[window / 2] : 0.5 * (sorted[window / 2 - 1] + sorted[window / 2]);
            if (loss > factor * median) spikeMedian = median;
            _recent.Dequeue();
        }
        _recent.Enqueue(loss);
        return spikeMedian;
    }

    /// <summary>The losses in the window, oldest first (kept in checkpoints so a resumed run flags the same spikes).</summary>
    public IReadOnlyList<double> Window => _recent.ToArray();

    public void Restore(IEnumerable<double> losses)
    {
        _recent.Clear();
        foreach (var loss in losses.TakeLast(window)) _recent.Enqueue(loss);
    }
}
