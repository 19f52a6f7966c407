using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// Bidirectional multi-head self-attention with one fused <c>qkv_proj</c> (output rows [q | k | v]) and a biased
/// <c>out_proj</c>; scale 1/sqrt(head_dim), no mask.
/// </summary>
public sealed class ViTAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv_proj;
    private readonly Linear out_proj;
    private readonly int nHeads;
    private readonly int headDim;
    private readonly double dropout;

    public ViTAttention(VlmConfig config) : base(nameof(ViTAttention))
    {
        nHeads = config.VitNHeads;
        headDim = config.VitHeadDim;
        dropout = config.VitDropout;
        qkv_proj = nn.Linear(config.VitHiddenDim, 3L * config.VitHiddenDim, hasBias: true);
        out_proj = nn.Linear(config.VitHiddenDim, config.VitHiddenDim, hasBias: true);
        RegisterComponents();
    }

    /// <param name="x">[B, T, C]</param>
    /// <returns>[B, T, C]</returns>
    public override Tensor forward(Tensor x)
    {
        var (batch, length, channels) = (x.shape[0], x.shape[1], x.shape[2]);
        var qkv = qkv_proj.call(x).split(channels, 2);                                      // 3 × [B, T, C]
        var q = qkv[0].view(batch, length, nHeads, headDim).transpose(1, 2);                // [B, nH, T, hd]
        var k = qkv[1].view(batch, length, nHeads, headDim).transpose(1, 2);
        var v = qkv[2].view(batch, length, nHeads, headDim).transpose(1, 2);
        var y = nn.functional.scaled_dot_product_attention(q, k, v, null, training ? dropout : 0.0, false); // [B, nH, T, hd]
        y = y.transpose(1, 2).reshape(batch, length, channels);                              // [B, T, C]
        y = out_proj.call(y);
        return dropout > 0 ? nn.functional.dropout(y, dropout, training) : y;
    }
}
