namespace NanoVlm.Engine.Text;

/// <summary>
/// A tokenizer.json uses a model type or a pipeline component this loader does not implement, or is
/// malformed. The message names the component and what is supported.
/// </summary>
public sealed class UnsupportedTokenizerException : Exception
{
    public UnsupportedTokenizerException()
    {
    }

    public UnsupportedTokenizerException(string message)
        : base(message)
    {
    }

    public UnsupportedTokenizerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
