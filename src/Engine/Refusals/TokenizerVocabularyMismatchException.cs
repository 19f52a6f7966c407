namespace NanoVlm.Engine.Refusals;

/// <summary>
/// A model whose embedding does not fit its tokenizer: the tokenizer's <c>&lt;|image|&gt;</c> id is not the one the
/// model replaces with image features, or it produces ids the embedding has no row for. Training on it would either
/// fail inside the first forward pass or, worse, learn with the image tokens on the wrong rows.
/// </summary>
public sealed class TokenizerVocabularyMismatchException : RefusalException
{
    public TokenizerVocabularyMismatchException(
        string model, int modelVocabulary, int modelBaseVocabulary, string tokenizer, int tokenizerSize, int tokenizerImageTokenId, int tokenizerIdLimit, string advice)
        : base($"{model} embeds {modelVocabulary} token ids ({modelBaseVocabulary} base tokens + {modelVocabulary - modelBaseVocabulary} nanoVLM extra tokens, " +
               $"<|image|> at id {modelBaseVocabulary}), but {tokenizer} has {tokenizerSize} tokens: with nanoVLM's extra tokens it puts <|image|> at id " +
               $"{tokenizerImageTokenId} and produces ids up to {tokenizerIdLimit - 1}. They were not made for each other. {advice}")
    {
        ModelVocabulary = modelVocabulary;
        ModelBaseVocabulary = modelBaseVocabulary;
        TokenizerSize = tokenizerSize;
        TokenizerImageTokenId = tokenizerImageTokenId;
        TokenizerIdLimit = tokenizerIdLimit;
    }

    public TokenizerVocabularyMismatchException()
    {
    }

    public TokenizerVocabularyMismatchException(string message) : base(message)
    {
    }

    public TokenizerVocabularyMismatchException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The model's <c>lm_vocab_size</c>: rows of its embedding.</summary>
    public int ModelVocabulary { get; }

    /// <summary>The model's <c>lm_base_vocab_size</c>: where its extra tokens (and <c>&lt;|image|&gt;</c>) start.</summary>
    public int ModelBaseVocabulary { get; }

    /// <summary>Tokens in the tokenizer as found (Python's <c>len(tokenizer)</c>).</summary>
    public int TokenizerSize { get; }

    /// <summary>The tokenizer's <c>&lt;|image|&gt;</c> id once nanoVLM's extra tokens are added.</summary>
    public int TokenizerImageTokenId { get; }

    /// <summary>One more than the largest id the tokenizer produces with nanoVLM's extra tokens.</summary>
    public int TokenizerIdLimit { get; }
}
