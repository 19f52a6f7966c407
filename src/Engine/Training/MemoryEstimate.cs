using System.Globalization;
using System.Text;

namespace NanoVlm.Engine.Training;

/// <summary>Bytes a training configuration needs, by kind.</summary>
public sealed record MemoryEstimate(
    long ParameterCount,
    long TrainableCount,
    long ParameterBytes,
    long GradientBytes,
    long OptimizerBytes,
    long ActivationBytes,
    long WorkspaceBytes)
{
    public long TotalBytes => ParameterBytes + GradientBytes + OptimizerBytes + ActivationBytes + WorkspaceBytes;

    /// <summary>
    /// Labelled (answer) positions per row the estimate assumes for the loss: DocVQA and synthetic answers are a few
    /// tokens per question and a few questions per page (synthetic:easy measures about 11 per row). Rows with long
    /// answers need more: each labelled position costs about 5 × vocabulary × 4 bytes.
    /// </summary>
    public const int LabelledPositionsPerRow = 16;

    /// <summary>
    /// The estimate for a configuration: float32 weights (master copies), float32 gradients and two AdamW moments for
    /// trainable groups, the forward tensors of one micro-batch, and the backward's largest transients.
    /// </summary>
    /// <param name="viewsPerSample">
    /// image views (tiles and global views) each sample sends through the vision encoder; by default the most a sample
    /// can have under the model's image splitting and max_length (<see cref="MaxViewsPerSample"/>), so that a run the
    /// estimate admits does not run out of memory on its largest page. A measurement passes the views its batches had.
    /// </param>
    /// <remarks>
    /// The forward tensors are every tensor the forward pass creates, not only those autograd saves: the trainer runs
    /// a step in one TorchSharp dispose scope, which holds each of them until the step ends (measured on <c>small</c>,
    /// batch 8 × 128: 414 MiB for the decoder where autograd's saved tensors come to about 280). They are counted per
    /// token and block from the model's code (see the comments below), float32 where the model computes in float32
    /// (norms, rotary embedding, attention, residual stream, loss) and in the compute precision for the outputs of
    /// linear layers, plus autocast's low-precision copies of the linear layers' inputs. The backward adds the
    /// gradients and, at its peak, the tied embedding's dense gradient and the logits' gradient. Checked against the
    /// measured peak by <c>bench</c> (docs/benchmarks.md).
    /// </remarks>
    public static MemoryEstimate For(TrainingConfig config, ComputePrecision precision, double? viewsPerSample = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var m = config.ResolveModel();
        var parameters = Model.ParameterCount.Of(m);
        long trainable = (config.LrMp > 0 ? parameters.ModalityProjector : 0)
                         + (config.LrVision > 0 ? parameters.VisionEncoder : 0)
                         + (config.LrLanguage > 0 ? parameters.Decoder : 0);
        long b = config.BatchSize, t = config.MaxLength;
        long h = m.LmHiddenDim, inter = m.LmInterDim, kv = (long)m.LmHeadDim * m.LmNKvHeads, vocab = m.LmVocabSize;
        const long f = 4; // float32
        long c = precision is ComputePrecision.Bf16 or ComputePrecision.Fp16 ? 2 : 4;     // linear outputs
        long cast = precision is ComputePrecision.Bf16 or ComputePrecision.Fp16 ? 2 : 0;  // autocast's copies of linear inputs
        long rounded = precision == ComputePrecision.Fp16Emulated ? 2 : 1;               // emulation keeps a rounded copy of each linear output

        // Decoder, per token and block. float32: RMSNorm's x², x·r and ·w twice (6h), rotary embedding of q and k
        // (x·cos, the negated half, the concatenation, ·sin, the sum: 4.5 per element), the masked q, the K/V heads
        // repeated for GQA (2h), the attention output and the two residual sums (3h): 16.5h + 4.5kv. In the compute
        // precision: q, k, v, the attention output made contiguous, out_proj, and the SwiGLU's gate, silu, up, product
        // and down: 4h + 2kv + 4·inter. Autocast copies the inputs of q/k/v, gate/up and the attention output (6h).
        long decoderPerTokenBlock = f * (33 * h / 2 + 9 * kv / 2)
                                    + c * rounded * (4 * h + 2 * kv + 4 * inter)
                                    + cast * 6 * h;
        long decoderPerToken = decoderPerTokenBlock * m.LmNBlocks + f * 5 * h;      // + embedding, image merge, final norm (3h)
        long decoder = b * t * decoderPerToken;

        // Vision, per patch and block: float32 LayerNorms and residual sums (4d); in the compute precision the fused
        // qkv (3d), attention output, its contiguous copy, out_proj, fc2 (4d) and fc1 with its GELU (2·inter); autocast
        // copies the inputs of qkv and fc1 (2d). Per patch once: patch embedding and position sum (2d), the pixel-shuffled
        // copy (d), and the projector's output (h / s² per patch).
        var views = viewsPerSample ?? MaxViewsPerSample(m, config.MaxLength);
        long images = (long)Math.Ceiling(b * views);                                // views of one image per sample (the synthetic and DocVQA-style default)
        long patches = m.VitNumPatches + (m.VitClsFlag ? 1 : 0);
        long d = m.VitHiddenDim, vInter = m.VitInterDim, shuffle = (long)m.MpPixelShuffleFactor * m.MpPixelShuffleFactor;
        long visionPerPatchBlock = f * 4 * d + c * rounded * (7 * d + 2 * vInter) + cast * 2 * d;
        long visionPerPatch = visionPerPatchBlock * m.VitNBlocks + f * 3 * d + c * h / shuffle;
        long vision = config.LrVision > 0 || config.LrMp > 0 ? images * patches * visionPerPatch : 0;
        long pixels = images * 3L * m.VitImgSize * m.VitImgSize * f;               // the batch's float32 pixels, kept for the step

        // The loss: logits over the labelled positions only, float32 (a low-precision copy first under autocast), the
        // log-softmax cross-entropy keeps, and the index-selected rows.
        long labelled = b * Math.Min(t, LabelledPositionsPerRow);
        long loss = labelled * vocab * (3 * f + cast);

        // Backward peak: the tied embedding's dense gradient before it is added to the head's, and the logits' gradient.
        long backward = vocab * h * f + labelled * vocab * 2 * f;

        return new MemoryEstimate(
            parameters.Total,
            trainable,
            ParameterBytes: parameters.Total * 4,
            GradientBytes: trainable * 4,
            OptimizerBytes: trainable * 8,
            ActivationBytes: decoder + vision + pixels + loss,
            WorkspaceBytes: backward);
    }

    /// <summary>
    /// The most image views one sample's image can have: nanoVLM resizes the long side to <c>max_img_size</c> and cuts
    /// whole <c>vit_img_size</c> tiles, so a square page gives side × side tiles plus a global view (17 for nanoVLM-460M's
    /// 2048 px over 512 px tiles); fewer when the image string (<c>mp_image_token_length</c> + 1 tokens per view) would
    /// not fit max_length, since such samples are dropped.
    /// </summary>
    public static int MaxViewsPerSample(Model.VlmConfig model, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(model);
        var side = Math.Max(1, (model.MaxImgSize + model.VitImgSize - 1) / model.VitImgSize);
        var views = side == 1 ? 1 : side * side + 1;
        var fitting = maxLength / (model.MpImageTokenLength + 1);
        return Math.Max(1, Math.Min(views, fitting));
    }

    /// <summary>A few lines for <c>train --estimate</c>.</summary>
    public string Describe(long? deviceBytes = null)
    {
        static string MiB(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"parameters   {ParameterCount:N0} ({TrainableCount:N0} trainable)  {MiB(ParameterBytes)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"gradients    {MiB(GradientBytes)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"optimizer    {MiB(OptimizerBytes)} (AdamW moments, float32)");
        text.AppendLine(CultureInfo.InvariantCulture, $"activations  {MiB(ActivationBytes)} (forward tensors of one micro-batch)");
        text.AppendLine(CultureInfo.InvariantCulture, $"workspace    {MiB(WorkspaceBytes)} (backward transients)");
        text.Append(CultureInfo.InvariantCulture, $"total        {MiB(TotalBytes)}");
        if (deviceBytes is { } available)
            text.Append(CultureInfo.InvariantCulture, $" of {MiB(available)} ({100.0 * TotalBytes / available:0.#}%)");
        return text.ToString();
    }
}
