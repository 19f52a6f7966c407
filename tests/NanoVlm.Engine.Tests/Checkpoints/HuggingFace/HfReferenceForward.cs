using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NanoVlm.Engine.Tests.Checkpoints.HuggingFace;

/// <summary>
/// Direct computations of Hugging Face's SigLIP vision tower and Llama decoder from their own tensors (separate
/// q/k/v, HF key names, HF formulas), written without any engine module, so the imported nanoVLM model can be
/// compared with what the backbones compute.
/// </summary>
internal static class HfReferenceForward
{
    /// <summary>SiglipVisionTransformer's last_hidden_state (post_layernorm applied, no pooling head).</summary>
    /// <param name="pixels">[N, 3, S, S]</param>
    /// <returns>[N, patches, D]</returns>
    public static Tensor Siglip(IReadOnlyDictionary<string, Tensor> w, VisionDims v, Tensor pixels, bool naflex)
    {
        const string e = "vision_model.embeddings.";
        long n = pixels.shape[0], g = v.Grid, p = v.Patch, d = v.Hidden, hd = d / v.Heads;
        Tensor x;
        if (naflex)
        {
            // Siglip2's processor flattens each patch as (row, col, channel) and the model applies a Linear.
            var patches = pixels.reshape(n, 3, g, p, g, p).permute(0, 2, 4, 3, 5, 1).reshape(n, g * g, p * p * 3);
            x = F.linear(patches, w[e + "patch_embedding.weight"], w[e + "patch_embedding.bias"]);
        }
        else
        {
            x = F.conv2d(pixels, w[e + "patch_embedding.weight"], w[e + "patch_embedding.bias"], strides: [p, p]).flatten(2).transpose(1, 2);
        }
        x = x + w[e + "position_embedding.weight"];

        for (var i = 0; i < v.Layers; i++)
        {
            var l = $"vision_model.encoder.layers.{i}.";
            var h = F.layer_norm(x, [d], w[l + "layer_norm1.weight"], w[l + "layer_norm1.bias"], 1e-6);
            Tensor Heads(string proj) => F.linear(h, w[$"{l}self_attn.{proj}.weight"], w[$"{l}self_attn.{proj}.bias"])
                .reshape(n, -1, v.Heads, hd).transpose(1, 2);
            var (q, k, val) = (Heads("q_proj"), Heads("k_proj"), Heads("v_proj"));
            var attention = F.softmax(q.matmul(k.transpose(-1, -2)).div(Math.Sqrt(hd)), -1).matmul(val)
                .transpose(1, 2).reshape(n, -1, d);
            x = x + F.linear(attention, w[l + "self_attn.out_proj.weight"], w[l + "self_attn.out_proj.bias"]);

            h = F.layer_norm(x, [d], w[l + "layer_norm2.weight"], w[l + "layer_norm2.bias"], 1e-6);
            h = TanhGelu(F.linear(h, w[l + "mlp.fc1.weight"], w[l + "mlp.fc1.bias"]));
            x = x + F.linear(h, w[l + "mlp.fc2.weight"], w[l + "mlp.fc2.bias"]);
        }
        return F.layer_norm(x, [d], w["vision_model.post_layernorm.weight"], w["vision_model.post_layernorm.bias"], 1e-6);
    }

    /// <summary>LlamaForCausalLM logits for unpadded text at positions 0..T-1.</summary>
    /// <param name="ids">[B, T] int64 (ids below the HF vocab size)</param>
    /// <returns>[B, T, vocab_size]</returns>
    public static Tensor LlamaLogits(IReadOnlyDictionary<string, Tensor> w, LanguageDims l, Tensor ids)
    {
        long b = ids.shape[0], t = ids.shape[1], hd = l.HeadDim;
        var x = w["model.embed_tokens.weight"].index_select(0, ids.reshape(-1)).reshape(b, t, l.Hidden);

        var inverse = arange(0, hd, 2, dtype: ScalarType.Float64).div(hd).mul(-Math.Log(l.RopeTheta)).exp(); // θ^(-2k/hd)
        var angles = arange(t, dtype: ScalarType.Float64).outer(inverse);       // [T, hd/2]
        var emb = cat([angles, angles], -1).to(ScalarType.Float32);             // [T, hd]
        var (cos, sin) = (emb.cos(), emb.sin());
        var causal = ones(t, t, dtype: ScalarType.Bool).triu(1);                // true above the diagonal = masked

        for (var i = 0; i < l.Layers; i++)
        {
            var p = $"model.layers.{i}.";
            var h = Rms(x, w[p + "input_layernorm.weight"], l.RmsEps);
            Tensor Heads(string proj, long heads) => F.linear(h, w[$"{p}self_attn.{proj}.weight"]).reshape(b, t, heads, hd).transpose(1, 2);
            var q = Rotate(Heads("q_proj", l.Heads), cos, sin);
            var k = Rotate(Heads("k_proj", l.KvHeads), cos, sin).repeat_interleave(l.Heads / l.KvHeads, 1);
            var v = Heads("v_proj", l.KvHeads).repeat_interleave(l.Heads / l.KvHeads, 1);
            var scores = q.matmul(k.transpose(-1, -2)).div(Math.Sqrt(hd)).masked_fill(causal, double.NegativeInfinity);
            var attention = F.softmax(scores, -1).matmul(v).transpose(1, 2).reshape(b, t, -1);
            x = x + F.linear(attention, w[p + "self_attn.o_proj.weight"]);

            h = Rms(x, w[p + "post_attention_layernorm.weight"], l.RmsEps);
            var mlp = F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])).mul(F.linear(h, w[p + "mlp.up_proj.weight"]));
            x = x + F.linear(mlp, w[p + "mlp.down_proj.weight"]);
        }
        x = Rms(x, w["model.norm.weight"], l.RmsEps);
        return F.linear(x, l.Tied ? w["model.embed_tokens.weight"] : w["lm_head.weight"]);
    }

    private static Tensor TanhGelu(Tensor x) =>
        x.mul(0.5).mul(x.add(x.pow(3).mul(0.044715)).mul(Math.Sqrt(2 / Math.PI)).tanh().add(1));

    private static Tensor Rms(Tensor x, Tensor weight, double eps) => x.mul(x.pow(2).mean([-1], keepdim: true).add(eps).rsqrt()).mul(weight);

    /// <summary>Rotate-half RoPE: q·cos + [−q2, q1]·sin.</summary>
    private static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
