namespace NanoVlm.Engine.Refusals;

/// <summary>A folder given as a model to start from that holds no model this engine can read; the message says what it lacks.</summary>
public sealed class NotAModelSourceException : RefusalException
{
    public NotAModelSourceException(string message) : base(message)
    {
    }

    public NotAModelSourceException()
    {
    }

    public NotAModelSourceException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
