using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>Top-k / top-p (nucleus) filtering of logits, as nanoVLM's <c>top_k_top_p_filtering</c>.</summary>
public static class TokenFilter
{
    /// <summary>
    /// Returns a copy of <paramref name="logits"/> [B, V] with filtered entries set to −inf: first everything below the
    /// k-th largest logit (ties at the k-th value survive), then, on what remains, every token past the point where
    /// the sorted cumulative probability first exceeds <paramref name="topP"/> (the token that crosses it is kept,
    /// and so is the best token always).
    /// </summary>
    public static Tensor TopKTopP(Tensor logits, int topK, double topP)
    {
        using Scalar minusInfinity = float.NegativeInfinity, p = topP;
        var filtered = logits.clone();
        var vocab = logits.shape[^1];
        if (topK > 0 && topK < vocab)
        {
            var kthLargest = filtered.topk(topK, -1).values.narrow(-1, topK - 1, 1); // [B, 1]
            filtered = filtered.masked_fill(filtered.lt(kthLargest), minusInfinity);
        }
        if (topP < 1.0)
        {
            var (sorted, order) = filtered.sort(-1, descending: true);                  // [B, V] each
            var cumulative = nn.functional.softmax(sorted, -1).cumsum(-1);               // [B, V]
            var remove = cumulative.gt(p);
            // Shift right by one: keep the token that crosses p; never remove the best.
            remove = cat([zeros_like(remove.narrow(-1, 0, 1)), remove.narrow(-1, 0, vocab - 1)], -1);
            var removeInVocabOrder = remove.scatter(-1, order, remove);
            filtered = filtered.masked_fill(removeInVocabOrder, minusInfinity);
        }
        return filtered;
    }
}
