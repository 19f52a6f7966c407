namespace NanoVlm.Engine.Model;

/// <summary>Trainable parameters per component (the tied embedding/head counted once; buffers excluded).</summary>
public sealed record ParameterBreakdown(long VisionEncoder, long ModalityProjector, long Decoder)
{
    public long Total => VisionEncoder + ModalityProjector + Decoder;
}

/// <summary>
/// Parameter counts computed from the config alone, so the dashboard can show the size of a 460M model without
/// allocating it. Tests check the arithmetic against instantiated modules.
/// </summary>
public static class ParameterCount
{
    public static ParameterBreakdown Of(VlmConfig c) => new(VisionEncoder(c), ModalityProjector(c), Decoder(c));

    public static long VisionEncoder(VlmConfig c)
    {
        long d = c.VitHiddenDim, inter = c.VitInterDim, p = c.VitPatchSize;
        long tokens = c.VitNumPatches + (c.VitClsFlag ? 1 : 0);
        var patchEmbedding = d * 3 * p * p + d            // conv weight + bias
                             + tokens * d                  // position embedding
                             + (c.VitClsFlag ? d : 0);     // cls token
        var block = 2 * d                                  // ln1
                    + 3 * d * d + 3 * d                    // fused qkv
                    + d * d + d                            // out_proj
                    + 2 * d                                // ln2
                    + inter * d + inter                    // fc1
                    + d * inter + d;                       // fc2
        return patchEmbedding + c.VitNBlocks * block + 2 * d; // + final layer_norm
    }

    public static long ModalityProjector(VlmConfig c)
    {
        long s = c.MpPixelShuffleFactor;
        return (long)c.VitHiddenDim * s * s * c.LmHiddenDim; // bias-free
    }

    public static long Decoder(VlmConfig c)
    {
        long h = c.LmHiddenDim, inter = c.LmInterDim, vocab = c.LmVocabSize;
        long kv = (long)c.LmHeadDim * c.LmNKvHeads;
        var block = h * h + 2 * h * kv + h * h             // q, k, v, out projections (no bias)
                    + 3 * h * inter                        // gate, up, down
                    + 2 * h;                               // norm1, norm2
        var embedding = vocab * h;
        var head = c.LmTieWeights ? 0 : vocab * h;
        return embedding + c.LmNBlocks * block + h + head; // + final norm
    }
}
