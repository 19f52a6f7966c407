namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// The images of a sample alone need more tokens than max_length allows: no truncation can fix that (image tokens
/// are never cut), so it is a configuration error, reported before training with the numbers.
/// </summary>
public sealed class MaxLengthTooSmallException : Exception
{
    public MaxLengthTooSmallException(int imageTokens, int maxLength, string detail)
        : base($"The data needs {imageTokens} image tokens, max_length is {maxLength}. {detail}")
    {
        ImageTokens = imageTokens;
        MaxLength = maxLength;
    }

    public MaxLengthTooSmallException()
    {
    }

    public MaxLengthTooSmallException(string message) : base(message)
    {
    }

    public MaxLengthTooSmallException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public int ImageTokens { get; }

    public int MaxLength { get; }
}
