namespace NanoVlm.Engine.Refusals;

/// <summary>
/// A training run that would not fit in the memory at hand: the estimate against what is available, by part, and
/// the settings that would fit.
/// </summary>
public sealed class InsufficientMemoryForRunException : RefusalException
{
    public InsufficientMemoryForRunException(string message, long neededBytes, long availableBytes) : base(message)
    {
        NeededBytes = neededBytes;
        AvailableBytes = availableBytes;
    }

    public InsufficientMemoryForRunException()
    {
    }

    public InsufficientMemoryForRunException(string message) : base(message)
    {
    }

    public InsufficientMemoryForRunException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public long NeededBytes { get; }

    public long AvailableBytes { get; }
}
