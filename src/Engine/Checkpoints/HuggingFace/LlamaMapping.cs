using static TorchSharp.torch;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>Where nanoVLM's output head comes from when the decoder is built from a Llama checkpoint.</summary>
public enum HfHeadSource
{
    /// <summary>Tied: the head is the (extended) embedding matrix, stored once.</summary>
    TiedToEmbedding,

    /// <summary>Untied, from a tied checkpoint: the head starts as a copy of the extended embedding (the reference's behaviour).</summary>
    CopyOfEmbedding,

    /// <summary>Untied, from <c>lm_head.weight</c>, with its own freshly initialised rows for the extra tokens.</summary>
    LmHead,
}

/// <summary>
/// SmolLM2 / Llama (<c>LlamaForCausalLM</c>) tensors → nanoVLM <c>decoder.*</c> (spec §2.4): no transposes and no
/// q/k permutation (HF Llama already uses the rotate-half RoPE layout). The embedding gains one row per nanoVLM
/// extra token, initialised N(0, 0.02) as the reference does, from the caller's seeded generator.
/// </summary>
internal static class LlamaMapping
{
    private const string Nano = "decoder.";
    public const string EmbeddingKey = "model.embed_tokens.weight";
    public const string LmHeadKey = "lm_head.weight";

    /// <summary>Standard deviation of the new token rows (the reference's <c>init.normal_(std=0.02)</c>).</summary>
    public const double ExtraRowStd = 0.02;

    public static bool Owned(string key) => key.StartsWith("model.", StringComparison.Ordinal) || key == LmHeadKey;

    /// <summary>
    /// Old transformers versions saved RoPE's <c>inv_freq</c> buffers; they are recomputed from <c>rope_theta</c>.
    /// <c>lm_head.weight</c> is ignored when the head is tied (as transformers ignores it for a tied config).
    /// </summary>
    public static Func<string, bool> Ignored(HfHeadSource head) => key =>
        key.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (key == LmHeadKey && head != HfHeadSource.LmHead);

    public static HfTensorPlan Plan(LlamaBackboneConfig c, int extraTokens, HfHeadSource head, Generator generator)
    {
        long h = c.HiddenSize, inter = c.IntermediateSize, vocab = c.VocabSize;
        long q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        var plan = new HfTensorPlan();

        Tensor Extend(Tensor matrix) => cat([matrix, randn([extraTokens, h], generator: generator).mul_(ExtraRowStd)], 0);

        plan.Copy(Nano + "token_embedding.weight", EmbeddingKey, [vocab, h], Extend);
        if (head == HfHeadSource.CopyOfEmbedding)
        {
            // The reference copies the extended embedding into the head, new rows included.
            plan.CopyOfBuilt(Nano + "head.weight", Nano + "token_embedding.weight");
        }
        else if (head == HfHeadSource.LmHead)
        {
            plan.Copy(Nano + "head.weight", LmHeadKey, [vocab, h], Extend);
        }

        for (var i = 0; i < c.NumHiddenLayers; i++)
        {
            var hf = $"model.layers.{i}.";
            var nano = $"{Nano}blocks.{i}.";
            plan.Copy($"{nano}attn.q_proj.weight", $"{hf}self_attn.q_proj.weight", [q, h]);
            plan.Copy($"{nano}attn.k_proj.weight", $"{hf}self_attn.k_proj.weight", [kv, h]);
            plan.Copy($"{nano}attn.v_proj.weight", $"{hf}self_attn.v_proj.weight", [kv, h]);
            plan.Copy($"{nano}attn.out_proj.weight", $"{hf}self_attn.o_proj.weight", [h, q]);
            plan.Copy($"{nano}mlp.gate_proj.weight", $"{hf}mlp.gate_proj.weight", [inter, h]);
            plan.Copy($"{nano}mlp.up_proj.weight", $"{hf}mlp.up_proj.weight", [inter, h]);
            plan.Copy($"{nano}mlp.down_proj.weight", $"{hf}mlp.down_proj.weight", [h, inter]);
            plan.Copy($"{nano}norm1.weight", $"{hf}input_layernorm.weight", [h]);
            plan.Copy($"{nano}norm2.weight", $"{hf}post_attention_layernorm.weight", [h]);
        }
        plan.Copy(Nano + "norm.weight", "model.norm.weight", [h]);
        return plan;
    }
}
