using NanoVlm.Client.Services;

namespace NanoVlm.Client.Runs;

/// <summary>
/// How fast the active run trains now, and so how long it has left: measured over the steps of the current execution
/// only. A resumed run restarts from a checkpoint, and the whole run's average (step / elapsed seconds) would set the
/// steps trained before the resume against the seconds measured after it.
/// </summary>
public sealed class RunPace
{
    private MetricSample? _first;

    public MetricSample? Last { get; private set; }

    public void Observe(MetricSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        // A step or a clock going backwards means a new execution (a resume from a checkpoint): measure afresh.
        if (Last is null || sample.Step <= Last.Step || sample.ElapsedSeconds < Last.ElapsedSeconds)
        {
            _first = sample;
        }
        Last = sample;
    }

    /// <summary>Forget what was measured (the run stopped, or another run became the active one).</summary>
    public void Reset() => (_first, Last) = (null, null);

    /// <summary>The time left to <paramref name="totalSteps"/> at the current pace; null until two steps were seen.</summary>
    public TimeSpan? Remaining(long totalSteps)
    {
        if (_first is null || Last is null)
        {
            return null;
        }
        var steps = Last.Step - _first.Step;
        var seconds = Last.ElapsedSeconds - _first.ElapsedSeconds;
        return steps > 0 && seconds > 0 ? TimeSpan.FromSeconds(Math.Max(0, totalSteps - Last.Step) * seconds / steps) : null;
    }
}
