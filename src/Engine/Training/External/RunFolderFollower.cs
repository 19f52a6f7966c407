using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Training.External;

/// <summary>
/// Follows a run folder that another process writes (the PyTorch engine under torchrun or Slurm, or a headless
/// <c>train</c>): reads the lines appended to <c>metrics.jsonl</c> and <c>events.jsonl</c> and hands them on as the
/// <see cref="TrainingEvent"/>s the in-process engine publishes, in the order they were written.
/// </summary>
/// <remarks>
/// <para>The two files are written by one process but read one after the other, so a line of one file can be seen
/// before a line of the other written earlier (a metrics line of the step after a rollback before the rollback
/// event). Lines are released in order of their <c>time</c> (the writer's clock), and only once every line written
/// before them has been read: each <see cref="Poll"/> reads <c>events.jsonl</c> first, then <c>metrics.jsonl</c>.
/// An event is then complete (every metrics line written before it was there when metrics were read), and a
/// metrics line is complete when an event written after it has been read, or at the next poll (which reads events
/// first). So a metrics line waits at most one poll.</para>
/// <para>A line that cannot be read (not JSON, an event type this engine does not know) is skipped and reported in
/// <see cref="Problems"/>; nothing else stops the following.</para>
/// </remarks>
public sealed class RunFolderFollower
{
    private const int MaxProblems = 100;

    private readonly JsonLinesTail _events;
    private readonly JsonLinesTail _metrics;
    private readonly List<Pending> _pending = [];
    private readonly List<string> _problems = [];
    private DateTimeOffset _newestEvent = DateTimeOffset.MinValue;
    private long _sequence;

    /// <param name="folder">the run folder (it may not exist yet)</param>
    /// <param name="fromEnd">skip the lines already there (an earlier execution of the same run, already recorded)</param>
    public RunFolderFollower(string folder, bool fromEnd = false)
    {
        Folder = folder;
        _events = new JsonLinesTail(Path.Combine(folder, RunFiles.EventsFileName), fromEnd);
        _metrics = new JsonLinesTail(Path.Combine(folder, RunFiles.MetricsFileName), fromEnd);
    }

    public string Folder { get; }

    /// <summary>Lines that could not be read, with the file and the reason (the first 100).</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Times one of the files was seen shorter than what had been read.</summary>
    public int Truncations => _events.Truncations + _metrics.Truncations;

    /// <summary>The events whose every predecessor has been read, in the order they were written.</summary>
    public IReadOnlyList<TrainingEvent> Poll()
    {
        foreach (var waiting in _pending) waiting.Complete = true; // read before this poll's events: complete now
        foreach (var line in _events.ReadNewLines()) Add(line, _events, fromEvents: true);
        foreach (var line in _metrics.ReadNewLines()) Add(line, _metrics, fromEvents: false);
        return Release(all: false);
    }

    /// <summary>
    /// Everything left, the unfinished last lines included: for when the writer has exited (no line will be
    /// completed any more, and none is missing).
    /// </summary>
    public IReadOnlyList<TrainingEvent> Drain()
    {
        foreach (var line in _events.ReadNewLines()) Add(line, _events, fromEvents: true);
        if (_events.TakeUnfinishedLine() is { } lastEvent) Add(lastEvent, _events, fromEvents: true);
        foreach (var line in _metrics.ReadNewLines()) Add(line, _metrics, fromEvents: false);
        if (_metrics.TakeUnfinishedLine() is { } lastMetrics) Add(lastMetrics, _metrics, fromEvents: false);
        return Release(all: true);
    }

    /// <summary>Polls every <paramref name="interval"/> and publishes to <paramref name="sink"/> until cancelled, then drains.</summary>
    public async Task FollowAsync(ITrainingEventSink sink, TimeSpan interval, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(sink);
        try
        {
            while (true)
            {
                foreach (var e in Poll()) sink.Publish(e);
                await Task.Delay(interval, cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        foreach (var e in Drain()) sink.Publish(e);
    }

    private void Add(string line, JsonLinesTail file, bool fromEvents)
    {
        var parsed = TrainingEventJson.Parse(line, out var problem) ?? AfterCutLine(line);
        if (parsed is null)
        {
            Note($"{Path.GetFileName(file.Path)}: {problem} (line: {Shorten(line)})");
            return;
        }
        if (fromEvents && parsed.Time > _newestEvent) _newestEvent = parsed.Time;
        _pending.Add(new Pending(parsed, fromEvents, _sequence++) { Complete = fromEvents });
    }

    private List<TrainingEvent> Release(bool all)
    {
        // A metrics line written no later than an event already read has every predecessor read.
        foreach (var waiting in _pending) waiting.Complete |= all || waiting.Event.Time <= _newestEvent;
        var ready = _pending.Where(p => p.Complete)
            .OrderBy(p => p.Event.Time)
            .ThenBy(p => p.FromEvents) // a tie: the step's metrics come before its evaluation or checkpoint
            .ThenBy(p => p.Sequence)
            .ToList();
        _pending.RemoveAll(p => p.Complete);
        return ready.Select(p => p.Event).ToList();
    }

    /// <summary>
    /// A writer that died in the middle of a line leaves it unfinished, and the next writer of the folder (a resume)
    /// appends its first line to it: that line is the first event that starts after a <c>{</c> of the joined line.
    /// </summary>
    private TrainingEvent? AfterCutLine(string line)
    {
        for (var start = line.IndexOf('{', 1); start > 0; start = line.IndexOf('{', start + 1))
        {
            if (TrainingEventJson.Parse(line[start..], out _) is { } found)
            {
                Note($"an unfinished line was left out: {Shorten(line[..start])}");
                return found;
            }
        }
        return null;
    }

    private void Note(string problem)
    {
        if (_problems.Count < MaxProblems) _problems.Add(problem);
    }

    private static string Shorten(string line) => line.Length <= 200 ? line : line[..200] + "…";

    private sealed class Pending(TrainingEvent trainingEvent, bool fromEvents, long sequence)
    {
        public TrainingEvent Event { get; } = trainingEvent;

        public bool FromEvents { get; } = fromEvents;

        public long Sequence { get; } = sequence;

        public bool Complete { get; set; }
    }
}
