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
    /// The estimate for a configuration: float32 weights (master copies), float32 gradients and two AdamW moments for
    /// trainable groups, the activations autograd keeps for one micro-batch (batch × length × width × depth, in the
    /// compute precision's bytes where autocast holds them), and the largest transient (the loss's logits over the
    /// labelled rows, and one layer's attention scores).
    /// </summary>
    public static MemoryEstimate For(TrainingConfig config, ComputePrecision precision)
    {
        var m = config.ResolveModel();
        var parameters = Model.ParameterCount.Of(m);
        long trainable = (config.LrMp > 0 ? parameters.ModalityProjector : 0)
                         + (config.LrVision > 0 ? parameters.VisionEncoder : 0)
                         + (config.LrLanguage > 0 ? parameters.Decoder : 0);
        long b = config.BatchSize, t = config.MaxLength;
        long h = m.LmHiddenDim, inter = m.LmInterDim, kv = (long)m.LmHeadDim * m.LmNKvHeads, heads = m.LmNHeads;
        var half = precision == ComputePrecision.Fp32 || precision == ComputePrecision.Fp16Emulated ? 4 : 2;
        var emulationCopies = precision == ComputePrecision.Fp16Emulated ? 2 : 1; // rounded copies of linear inputs/outputs

        // Decoder, per block and token: float32 residual/norm tensors, projections in the compute dtype, the SwiGLU
        // intermediates (gate, silu, up, product), float32 q/k/v copies and the attention output.
        long decoderPerToken = 4 * (4 * h)                                         // residual in, norm1 out, residual mid, norm2 out
                               + half * emulationCopies * (2 * h + 2 * kv + 4 * inter + h) // q,k,v,out, gate/silu/up/product, down
                               + 4 * (2 * h + 2 * kv + 2 * h);                     // float32 q/k/v (+rope) and attention output
        long decoder = b * t * (decoderPerToken * m.LmNBlocks + 4 * 2 * h);        // + embeddings and final norm
        long attentionScores = b * heads * t * t * 4;                             // one layer's transient scores (math SDPA)

        // Vision, per image: patches × (block tensors) plus the projector.
        long images = b;                                                            // one image per sample (the synthetic and DocVQA-style default)
        long patches = m.VitNumPatches + (m.VitClsFlag ? 1 : 0);
        long d = m.VitHiddenDim, vInter = m.VitInterDim;
        long visionPerPatch = 4 * (4 * d) + half * emulationCopies * (3 * d + d + 2 * vInter + d) + 4 * 3 * d;
        long vision = config.LrVision > 0 || config.LrMp > 0 ? images * patches * (visionPerPatch * m.VitNBlocks + 4 * 2 * d) : 0;

        long labelledRows = b * Math.Max(8, t / 4);                                // logits only over labelled positions
        long logits = labelledRows * m.LmVocabSize * 4 * 3;                       // logits, log-softmax, their gradient

        return new MemoryEstimate(
            parameters.Total,
            trainable,
            ParameterBytes: parameters.Total * 4,
            GradientBytes: trainable * 4,
            OptimizerBytes: trainable * 8,
            ActivationBytes: decoder + vision,
            WorkspaceBytes: Math.Max(logits, attentionScores));
    }

    /// <summary>A few lines for <c>train --estimate</c>.</summary>
    public string Describe(long? deviceBytes = null)
    {
        static string MiB(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"parameters   {ParameterCount:N0} ({TrainableCount:N0} trainable)  {MiB(ParameterBytes)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"gradients    {MiB(GradientBytes)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"optimizer    {MiB(OptimizerBytes)} (AdamW moments, float32)");
        text.AppendLine(CultureInfo.InvariantCulture, $"activations  {MiB(ActivationBytes)} (one micro-batch)");
        text.AppendLine(CultureInfo.InvariantCulture, $"workspace    {MiB(WorkspaceBytes)} (largest transient)");
        text.Append(CultureInfo.InvariantCulture, $"total        {MiB(TotalBytes)}");
        if (deviceBytes is { } available)
            text.Append(CultureInfo.InvariantCulture, $" of {MiB(available)} ({100.0 * TotalBytes / available:0.#}%)");
        return text.ToString();
    }
}
