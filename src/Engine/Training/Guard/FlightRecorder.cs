using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>
/// The NaN flight recorder: a bounded ring of the last steps (loss, gradient norm, loss scale, the tightest modules'
/// largest |activation|, the samples), so that a NaN alert shows what led up to the failure and not only the failing
/// step. Which modules it watches is decided at each headroom measurement: the <see cref="TrackedModules"/> leaf
/// modules nearest fp16's limit. Their values come from the step's one device sync (see <see cref="ModuleMaxTracker"/>),
/// so recording costs no extra sync.
/// </summary>
public sealed class FlightRecorder
{
    /// <summary>How many of the tightest modules each step records.</summary>
    public const int TrackedModules = 4;

    private readonly Queue<FlightRecord> _ring = new();
    private string[] _tracked = [];

    /// <param name="capacity">steps kept (0 turns the recorder off)</param>
    public FlightRecorder(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public bool Enabled => Capacity > 0;

    /// <summary>The modules each step records, tightest first; empty until the first headroom measurement.</summary>
    public IReadOnlyList<string> Tracked => _tracked;

    /// <summary>Whether the recorder still needs a measurement of every module to choose what to track.</summary>
    public bool NeedsMeasurement => Enabled && _tracked.Length == 0;

    /// <summary>Chooses the tracked modules from a measurement of every module (largest |a| first), leaves only.</summary>
    public void Track(IEnumerable<(string Module, double MaxAbs)> measured, Func<string, bool> isLeaf)
    {
        ArgumentNullException.ThrowIfNull(measured);
        ArgumentNullException.ThrowIfNull(isLeaf);
        if (!Enabled) return;
        var chosen = measured.Where(m => isLeaf(m.Module)).Take(TrackedModules).Select(m => m.Module).ToArray();
        if (chosen.Length > 0) _tracked = chosen;
    }

    public void Record(FlightRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!Enabled) return;
        if (_ring.Count == Capacity) _ring.Dequeue();
        _ring.Enqueue(record);
    }

    /// <summary>The kept steps, oldest first.</summary>
    public IReadOnlyList<FlightRecord> Snapshot() => [.. _ring];

    /// <summary>Forgets the kept steps (after a rollback they describe a branch the run abandoned).</summary>
    public void Clear() => _ring.Clear();
}
