using TorchSharp;
using static TorchSharp.torch;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Model;

/// <summary>
/// nanoVLM's rotary position embedding (non-interleaved, "rotate half" layout, as HF Llama), including its crude
/// dynamic scaling: when the largest position of a call reaches <c>lm_max_position_embeddings</c>, every
/// frequency of that call is divided by <c>(max_position + 1) / lm_max_position_embeddings</c>. Like the
/// reference this is decided per call, so keys cached before the limit keep their unscaled angles.
/// </summary>
/// <remarks>
/// The reference registers <c>inv_freq</c> as a persistent buffer, so checkpoints carry it
/// (<c>decoder.rotary_embd.inv_freq</c>). Here it is a plain float32 array rather than a module buffer: a module
/// buffer would be cast along with the weights by <c>model.to(bfloat16)</c>, and the angles must stay float32.
/// Checkpoint code reads and writes it through <see cref="InverseFrequencies"/>.
/// </remarks>
public sealed class RotaryEmbedding
{
    private readonly int maxPositionEmbeddings;
    private readonly double attentionScaling;
    private float[] inverseFrequencies;

    public RotaryEmbedding(VlmConfig config)
    {
        HeadDim = config.LmHeadDim;
        maxPositionEmbeddings = config.LmMaxPositionEmbeddings;
        attentionScaling = config.LmAttnScaling;
        inverseFrequencies = ComputeInverseFrequencies(config.LmReBase, HeadDim);
    }

    public int HeadDim { get; }

    /// <summary><c>inv_freq[k] = 1 / base^(2k / head_dim)</c>, k &lt; head_dim/2, float32.</summary>
    public IReadOnlyList<float> InverseFrequencies
    {
        get => inverseFrequencies;
        set
        {
            if (value.Count != HeadDim / 2)
                throw new ArgumentException($"inv_freq must have head_dim/2 = {HeadDim / 2} entries, not {value.Count}.", nameof(value));
            inverseFrequencies = value.ToArray();
        }
    }

    /// <summary>Computed with the reference's float32 tensor ops so a fresh model matches a saved buffer bit for bit.</summary>
    public static float[] ComputeInverseFrequencies(double ropeBase, int headDim)
    {
        using var scope = NewDisposeScope();
        using Scalar end = headDim;
        var exponents = arange(NativeScalars.Zero, end, NativeScalars.Two, dtype: ScalarType.Float32).div(end); // [hd/2]
        var powers = pow(tensor((float)ropeBase, dtype: ScalarType.Float32), exponents);  // [hd/2]
        return powers.reciprocal().data<float>().ToArray();
    }

    /// <summary>
    /// cos and sin for positions <c>start .. start+length-1</c>, each [1, length, head_dim] float32.
    /// </summary>
    public (Tensor Cos, Tensor Sin) Compute(long start, long length, Device device)
    {
        var invFreq = tensor(inverseFrequencies, dtype: ScalarType.Float32, device: device); // [hd/2]
        var maxSeq = start + length; // max(position_ids) + 1
        if (maxSeq > maxPositionEmbeddings)
        {
            using Scalar scale = (float)maxSeq / maxPositionEmbeddings;
            invFreq = invFreq.div(scale);
        }
        using Scalar first = start, end = start + length, scaling = attentionScaling;
        var positions = arange(first, end, NativeScalars.One, dtype: ScalarType.Float32, device: device); // [T]
        var freqs = positions.unsqueeze(-1).mul(invFreq.unsqueeze(0));                            // [T, hd/2]
        var angles = cat([freqs, freqs], -1);                                                      // [T, hd]
        var cos = angles.cos().mul(scaling).unsqueeze(0);                                          // [1, T, hd]
        var sin = angles.sin().mul(scaling).unsqueeze(0);                                          // [1, T, hd]
        return (cos, sin);
    }

    /// <summary>
    /// <c>x·cos + rotate_half(x)·sin</c> for x [B, heads, T, hd] and cos/sin [1, T, hd]. With float32 cos/sin the
    /// result is float32 (the reference's type promotion under autocast).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        var cos4 = cos.unsqueeze(1); // [1, 1, T, hd]
        var sin4 = sin.unsqueeze(1);
        return x.mul(cos4).add(RotateHalf(x).mul(sin4), NativeScalars.One);
    }

    /// <summary>[x1, x2] → [−x2, x1] over the two halves of the last dimension.</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        var halves = x.chunk(2, -1);
        return cat([halves[1].neg(), halves[0]], -1);
    }
}
