namespace NanoVlm.Engine.Checkpoints;

/// <summary>
/// A weights file that does not fit the model its config describes. Lists every missing, unexpected and
/// mis-shaped tensor at once, so one failed load shows the whole picture.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    public CheckpointMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
        : base(Describe(source, missing, unexpected, mismatched))
    {
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    public CheckpointMismatchException() : this("checkpoint", [], [], []) { }
    public CheckpointMismatchException(string message) : base(message) { }
    public CheckpointMismatchException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Tensors the model needs that the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; } = [];

    /// <summary>Tensors in the file that the model has no place for.</summary>
    public IReadOnlyList<string> Unexpected { get; } = [];

    /// <summary>Tensors present in both with the wrong shape or an unusable dtype, each with the details.</summary>
    public IReadOnlyList<string> Mismatched { get; } = [];

    private static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
    {
        var lines = new List<string> { $"{source} does not match the model described by its config:" };
        void Section(string title, IReadOnlyList<string> items)
        {
            if (items.Count == 0) return;
            lines.Add($"  {title} ({items.Count}):");
            lines.AddRange(items.Select(i => "    - " + i));
        }
        Section("missing tensors", missing);
        Section("unexpected tensors", unexpected);
        Section("mismatched tensors", mismatched);
        return string.Join(Environment.NewLine, lines);
    }
}
