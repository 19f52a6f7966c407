using NanoVlm.Engine.Model;
using NanoVlm.Engine.Refusals;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Checkpoints.Sources;

/// <summary>
/// Whether a tokenizer fits a model, as nanoVLM lays the two out (spec §2.5, §3.4): with nanoVLM's extra tokens added
/// in order after the tokenizer's own, <c>&lt;|image|&gt;</c> must get the id the model replaces with image features
/// (<c>lm_base_vocab_size</c> + its place among the extra tokens), and every id must have an embedding row.
/// </summary>
public static class TokenizerVocabularyCheck
{
    /// <summary>Whether <paramref name="tokenizer"/> fits <paramref name="config"/>.</summary>
    public static bool Fits(VlmConfig config, NanoVlmTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        return tokenizer.ImageTokenId == config.ImageTokenId && tokenizer.Tokenizer.IdLimit <= config.LmVocabSize;
    }

    /// <param name="tokenizerSize">the tokenizer's size as found, before nanoVLM's extra tokens were added</param>
    /// <exception cref="TokenizerVocabularyMismatchException">both sizes, and <paramref name="advice"/> on what to do</exception>
    public static void Ensure(VlmConfig config, NanoVlmTokenizer tokenizer, int tokenizerSize, string model, string tokenizerName, string advice)
    {
        if (Fits(config, tokenizer)) return;
        throw new TokenizerVocabularyMismatchException(model, config.LmVocabSize, config.LmBaseVocabSize, tokenizerName,
            tokenizerSize, tokenizer.ImageTokenId, tokenizer.Tokenizer.IdLimit, advice);
    }
}
