namespace NanoVlm.Engine.Text;

/// <summary>What the rest of the engine needs from a tokenizer: text ↔ ids and token ↔ id lookups.</summary>
public interface ITextTokenizer
{
    /// <summary>
    /// Number of distinct tokens, added tokens included (Python's <c>len(tokenizer)</c>). Every id is
    /// below <see cref="IdLimit"/>, which is what an embedding table must cover.
    /// </summary>
    int VocabularySize { get; }

    /// <summary>One more than the highest id this tokenizer can produce.</summary>
    int IdLimit { get; }

    /// <summary>
    /// Text → ids. Added tokens found in the text (e.g. <c>&lt;|im_start|&gt;</c>) become their ids.
    /// <paramref name="addSpecialTokens"/> adds what the post-processor template puts around a
    /// sequence (Llama-3's BOS, for instance); nanoVLM's prompts are encoded without it.
    /// </summary>
    int[] Encode(string text, bool addSpecialTokens = false);

    /// <summary>Ids → text. Unknown ids are skipped, as in the Hugging Face library.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>The id of a vocabulary entry or added token, or null.</summary>
    int? TokenToId(string token);

    /// <summary>The token an id stands for (in its byte-level spelling for BPE entries), or null.</summary>
    string? IdToToken(int id);

    /// <summary>Whether an id is a special added token (removed by <c>skipSpecialTokens</c>).</summary>
    bool IsSpecial(int id);
}
