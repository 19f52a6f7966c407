using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Checkpoints;

/// <summary>
/// The tensors a nanoVLM checkpoint of a config holds, name → shape, in the model's state-dict order (spec §2.1),
/// computed from the config alone so that a file can be checked against it before any model is built. Tests hold it
/// to the parameters of instantiated models.
/// </summary>
public static class StateDictShapes
{
    /// <summary>
    /// Every tensor the model needs. The tied embedding/head is listed once, under the name checkpoints store it
    /// as (<see cref="NanoVlmCheckpoint.HeadKey"/>); <see cref="NanoVlmCheckpoint.InverseFrequencyKey"/> is not
    /// listed (it is optional: recomputed when absent), see <see cref="InverseFrequencyShape"/>.
    /// </summary>
    public static IReadOnlyList<(string Name, long[] Shape)> For(VlmConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        long d = c.VitHiddenDim, vInter = c.VitInterDim, p = c.VitPatchSize;
        long h = c.LmHiddenDim, inter = c.LmInterDim, vocab = c.LmVocabSize;
        long q = (long)c.LmHeadDim * c.LmNHeads, kv = (long)c.LmHeadDim * c.LmNKvHeads;
        long s = c.MpPixelShuffleFactor;
        var shapes = new List<(string, long[])>();
        void Add(string name, params long[] shape) => shapes.Add((name, shape));

        const string vit = "vision_encoder.";
        Add(vit + "patch_embedding.conv.weight", d, 3, p, p);
        Add(vit + "patch_embedding.conv.bias", d);
        if (c.VitClsFlag) Add(vit + "patch_embedding.cls_token", 1, 1, d);
        Add(vit + "patch_embedding.position_embedding", 1, c.VitNumPatches + (c.VitClsFlag ? 1 : 0), d);
        for (var i = 0; i < c.VitNBlocks; i++)
        {
            var block = $"{vit}blocks.{i}.";
            Add(block + "ln1.weight", d);
            Add(block + "ln1.bias", d);
            Add(block + "attn.qkv_proj.weight", 3 * d, d); // rows q, k, v
            Add(block + "attn.qkv_proj.bias", 3 * d);
            Add(block + "attn.out_proj.weight", d, d);
            Add(block + "attn.out_proj.bias", d);
            Add(block + "ln2.weight", d);
            Add(block + "ln2.bias", d);
            Add(block + "mlp.fc1.weight", vInter, d);
            Add(block + "mlp.fc1.bias", vInter);
            Add(block + "mlp.fc2.weight", d, vInter);
            Add(block + "mlp.fc2.bias", d);
        }
        Add(vit + "layer_norm.weight", d);
        Add(vit + "layer_norm.bias", d);

        const string lm = "decoder.";
        if (!c.LmTieWeights) Add(NanoVlmCheckpoint.EmbeddingKey, vocab, h);
        for (var i = 0; i < c.LmNBlocks; i++)
        {
            var block = $"{lm}blocks.{i}.";
            Add(block + "attn.q_proj.weight", q, h);
            Add(block + "attn.k_proj.weight", kv, h);
            Add(block + "attn.v_proj.weight", kv, h);
            Add(block + "attn.out_proj.weight", h, q);
            Add(block + "mlp.gate_proj.weight", inter, h);
            Add(block + "mlp.up_proj.weight", inter, h);
            Add(block + "mlp.down_proj.weight", h, inter);
            Add(block + "norm1.weight", h);
            Add(block + "norm2.weight", h);
        }
        Add(lm + "norm.weight", h);
        Add(NanoVlmCheckpoint.HeadKey, vocab, h); // the head, or the tied embedding/head stored under the head's name

        Add("MP.proj.weight", h, d * s * s);
        return shapes;
    }

    /// <summary>The shape of the optional rotary buffer: [head_dim / 2].</summary>
    public static long[] InverseFrequencyShape(VlmConfig c) => [c.LmHeadDim / 2];

    /// <summary>"[a, b, c]".</summary>
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
