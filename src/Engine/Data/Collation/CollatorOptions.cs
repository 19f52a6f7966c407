namespace NanoVlm.Engine.Data.Collation;

/// <summary>How far rows of a batch are left-padded.</summary>
public enum PaddingLength
{
    /// <summary>To the longest row of the batch (less compute than the reference; the loss is the same).</summary>
    Longest,

    /// <summary>To <see cref="CollatorOptions.MaxLength"/>, as the reference's <c>VQACollator</c> does.</summary>
    MaxLength,
}

/// <summary>Sequence-length rules of the collator.</summary>
/// <param name="MaxLength">Longest sequence a row may have (the run's max_length, tokens).</param>
/// <param name="MinQuestionTokens">
/// Truncation keeps at least this many tokens of a question (or all of a shorter one); a sample that would need
/// more cut is dropped rather than trained on an answer to a question it cannot see.
/// </param>
public sealed record CollatorOptions(int MaxLength, PaddingLength Padding = PaddingLength.Longest, int MinQuestionTokens = 4)
{
    public void Validate()
    {
        if (MaxLength <= 0) throw new ArgumentException($"max_length must be positive; got {MaxLength}.");
        if (MinQuestionTokens < 0) throw new ArgumentException($"MinQuestionTokens must be zero or more; got {MinQuestionTokens}.");
    }
}
