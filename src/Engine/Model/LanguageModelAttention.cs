using TorchSharp.Modules;
using static TorchSharp.torch;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Model;

/// <summary>
/// Grouped-query self-attention (nanoVLM <c>LanguageModelGroupedQueryAttention</c>): bias-free q/k/v/out
/// projections, RoPE on q and k, optional KV cache, K/V heads repeated to the query heads (query head h uses KV
/// head h / n_kv_groups), scale 1/sqrt(head_dim).
/// </summary>
/// <remarks>
/// q, k and v enter attention as float32 (softmax in float32 whatever the compute dtype) with a boolean mask (see
/// <see cref="AttentionMask"/>); the output is cast back to the dtype of the value projection before
/// <c>out_proj</c>.
/// </remarks>
public sealed class LanguageModelAttention : nn.Module
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
    private readonly int nHeads;
    private readonly int nKvHeads;
    private readonly int headDim;
    private readonly double dropout;

    public LanguageModelAttention(VlmConfig config) : base(nameof(LanguageModelAttention))
    {
        nHeads = config.LmNHeads;
        nKvHeads = config.LmNKvHeads;
        headDim = config.LmHeadDim;
        dropout = config.LmDropout;
        long hidden = config.LmHiddenDim;
        q_proj = nn.Linear(hidden, hidden, hasBias: false);
        k_proj = nn.Linear(hidden, (long)headDim * nKvHeads, hasBias: false);
        v_proj = nn.Linear(hidden, (long)headDim * nKvHeads, hasBias: false);
        out_proj = nn.Linear(hidden, hidden, hasBias: false);
        RegisterComponents();
    }

    /// <param name="x">[B, T, H]</param>
    /// <param name="cos">[1, T, hd] float32</param>
    /// <param name="sin">[1, T, hd] float32</param>
    /// <param name="mask">causal + padding mask for T queries over T_kv keys</param>
    /// <param name="cache">the KV cache and this block's index in it, or null for a full forward</param>
    /// <returns>[B, T, H]</returns>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, (KvCache Cache, int Block)? cache)
    {
        var batch = x.shape[0];
        var length = x.shape[1];
        var hidden = x.shape[2];

        var q = q_proj.call(x).view(batch, length, nHeads, headDim).transpose(1, 2);   // [B, nH, T, hd]
        var k = k_proj.call(x).view(batch, length, nKvHeads, headDim).transpose(1, 2); // [B, nKV, T, hd]
        var v = v_proj.call(x).view(batch, length, nKvHeads, headDim).transpose(1, 2); // [B, nKV, T, hd]
        var valueDtype = v.dtype;

        q = RotaryEmbedding.Apply(q, cos, sin);
        if (mask.FullyPaddedQueries is { } padded)
        {
            q = q.masked_fill(padded, NativeScalars.Zero); // uniform attention over the pads it sees, as in the reference
        }
        k = RotaryEmbedding.Apply(k, cos, sin);

        if (cache is { } c)
        {
            (k, v) = c.Cache.Append(c.Block, k, v); // [B, nKV, T_kv, hd]
        }

        var keys = RepeatKvHeads(k);   // [B, nH, T_kv, hd]
        var values = RepeatKvHeads(v); // [B, nH, T_kv, hd]

        var y = nn.functional.scaled_dot_product_attention(
            Precision.ToFloat32(q), Precision.ToFloat32(keys), Precision.ToFloat32(values),
            mask.Allowed, training ? dropout : 0.0, false);                              // [B, nH, T, hd] float32

        y = y.to(valueDtype).transpose(1, 2).reshape(batch, length, hidden);              // [B, T, H]
        y = out_proj.call(y);
        return dropout > 0 ? nn.functional.dropout(y, dropout, training) : y;
    }

    /// <summary>[B, nKV, T, hd] → [B, nKV·groups, T, hd], each KV head repeated for its group (repeat_interleave on dim 1).</summary>
    private Tensor RepeatKvHeads(Tensor kv)
    {
        var groups = nHeads / nKvHeads;
        if (groups == 1) return kv;
        var (batch, length) = (kv.shape[0], kv.shape[2]);
        return kv.unsqueeze(2)
            .expand(batch, nKvHeads, groups, length, headDim) // [B, nKV, g, T, hd]
            .reshape(batch, nHeads, length, headDim);        // [B, nH, T, hd]
    }
}
