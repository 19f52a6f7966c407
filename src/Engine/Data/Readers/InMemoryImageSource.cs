namespace NanoVlm.Engine.Data;

/// <summary>Encoded image bytes already in memory (a generator's output, an upload).</summary>
public sealed class InMemoryImageSource(byte[] bytes, string description = "in-memory image") : ImageSource
{
    private readonly byte[] _bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));

    public override string Description { get; } = description;

    public override byte[] ReadBytes() => _bytes;
}
