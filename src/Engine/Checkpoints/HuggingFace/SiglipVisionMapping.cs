namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>
/// SigLIP / SigLIP2 <c>vision_model.*</c> tensors → nanoVLM <c>vision_encoder.*</c> (spec §2.3). Only the vision
/// tower is used: <c>text_model.*</c>, <c>logit_scale</c>/<c>logit_bias</c> and the attention-pooling
/// <c>vision_model.head.*</c> are ignored, as the reference ignores them.
/// </summary>
internal static class SiglipVisionMapping
{
    private const string Hf = "vision_model.";
    private const string Nano = "vision_encoder.";

    /// <summary>Tensors of the vision tower (any other part of a SigLIP file is not ours to check).</summary>
    public static bool Owned(string key) => key.StartsWith(Hf, StringComparison.Ordinal);

    /// <summary>
    /// The pooling head (MAP), which nanoVLM's ViT does not have (it outputs every token), and the
    /// <c>position_ids</c> buffer some transformers versions saved (it is just 0..patches-1).
    /// </summary>
    public static bool Ignored(string key) =>
        key.StartsWith(Hf + "head.", StringComparison.Ordinal) || key == Hf + "embeddings.position_ids";

    public static HfTensorPlan Plan(SiglipVisionBackboneConfig c)
    {
        long d = c.HiddenSize, inter = c.IntermediateSize, p = c.PatchSize, channels = c.NumChannels;
        var plan = new HfTensorPlan();

        if (c.PatchLayout == SiglipPatchLayout.Convolution)
        {
            plan.Copy(Nano + "patch_embedding.conv.weight", Hf + "embeddings.patch_embedding.weight", [d, channels, p, p]);
        }
        else
        {
            // NaFlex embeds a patch flattened as (row, col, channel) with a Linear [D, p·p·C]; the same weights
            // viewed as [D, p, p, C] and permuted to [D, C, p, p] are the equivalent Conv2d kernel.
            plan.Copy(Nano + "patch_embedding.conv.weight", Hf + "embeddings.patch_embedding.weight", [d, p * p * channels],
                w => w.reshape(d, p, p, channels).permute(0, 3, 1, 2));
        }
        plan.Copy(Nano + "patch_embedding.conv.bias", Hf + "embeddings.patch_embedding.bias", [d]);
        // HF keeps an Embedding table [patches, D]; nanoVLM a parameter [1, patches, D] added to every image.
        // (NaFlex resizes this grid to the input's; at its native square size that resize is the identity.)
        plan.Copy(Nano + "patch_embedding.position_embedding", Hf + "embeddings.position_embedding.weight", [c.NumPatches, d],
            w => w.unsqueeze(0));

        for (var i = 0; i < c.NumHiddenLayers; i++)
        {
            var hf = $"{Hf}encoder.layers.{i}.";
            var nano = $"{Nano}blocks.{i}.";
            foreach (var (hfNorm, nanoNorm) in new[] { ("layer_norm1", "ln1"), ("layer_norm2", "ln2") })
            {
                plan.Copy($"{nano}{nanoNorm}.weight", $"{hf}{hfNorm}.weight", [d]);
                plan.Copy($"{nano}{nanoNorm}.bias", $"{hf}{hfNorm}.bias", [d]);
            }
            // nanoVLM fuses the projections: qkv_proj rows [0, D) are q, [D, 2D) k, [2D, 3D) v.
            plan.Concatenate($"{nano}attn.qkv_proj.weight",
                [new($"{hf}self_attn.q_proj.weight", [d, d]), new($"{hf}self_attn.k_proj.weight", [d, d]), new($"{hf}self_attn.v_proj.weight", [d, d])]);
            plan.Concatenate($"{nano}attn.qkv_proj.bias",
                [new($"{hf}self_attn.q_proj.bias", [d]), new($"{hf}self_attn.k_proj.bias", [d]), new($"{hf}self_attn.v_proj.bias", [d])]);
            plan.Copy($"{nano}attn.out_proj.weight", $"{hf}self_attn.out_proj.weight", [d, d]);
            plan.Copy($"{nano}attn.out_proj.bias", $"{hf}self_attn.out_proj.bias", [d]);
            plan.Copy($"{nano}mlp.fc1.weight", $"{hf}mlp.fc1.weight", [inter, d]);
            plan.Copy($"{nano}mlp.fc1.bias", $"{hf}mlp.fc1.bias", [inter]);
            plan.Copy($"{nano}mlp.fc2.weight", $"{hf}mlp.fc2.weight", [d, inter]);
            plan.Copy($"{nano}mlp.fc2.bias", $"{hf}mlp.fc2.bias", [d]);
        }

        plan.Copy(Nano + "layer_norm.weight", Hf + "post_layernorm.weight", [d]);
        plan.Copy(Nano + "layer_norm.bias", Hf + "post_layernorm.bias", [d]);
        return plan;
    }
}
