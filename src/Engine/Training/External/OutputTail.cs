namespace NanoVlm.Engine.Training.External;

/// <summary>The last lines of a process's output (thread-safe: stdout and stderr arrive on their own threads).</summary>
public sealed class OutputTail(int capacity = 60)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        lock (_gate)
        {
            _lines.Enqueue(line.Length > 2000 ? line[..2000] + "…" : line);
            while (_lines.Count > capacity) _lines.Dequeue();
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return _lines.ToArray();
        }
    }
}
