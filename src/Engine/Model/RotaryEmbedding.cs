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
public sealed class RotaryEmbedding : IDisposable
{
    private readonly int maxPositionEmbeddings;
    private readonly double attentionScaling;
    private readonly Lock tableLock = new();
    private float[] inverseFrequencies;
    private RotaryAngles? table;

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
            lock (tableLock)
            {
                table?.Dispose();
                table = null;
            }
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
    /// cos, sin and the sign-folded sin for positions <c>start .. start+length-1</c>, each [1, 1, length, head_dim]
    /// float32. Below <c>lm_max_position_embeddings</c> (no scaling) they are views of tables computed once and grown
    /// on demand, so a decoding step does not recompute its angles; each element is the same elementwise float32
    /// computation either way, so the values are bit for bit those of <see cref="ComputeAngles"/>.
    /// </summary>
    public RotaryAngles Compute(long start, long length, Device device)
    {
        var maxSeq = start + length; // max(position_ids) + 1
        if (maxSeq > maxPositionEmbeddings) return ComputeAngles(start, length, device);
        lock (tableLock)
        {
            if (table is null || table.Cos.shape[2] < maxSeq || table.Cos.device_type != device.type || table.Cos.device_index != device.index)
            {
                var rows = Math.Min(maxPositionEmbeddings, Math.Max(maxSeq, 2 * (table?.Cos.shape[2] ?? 64)));
                table?.Dispose();
                using var scope = NewDisposeScope();
                var angles = ComputeAngles(0, rows, device);
                table = new RotaryAngles(angles.Cos.DetachFromDisposeScope(), angles.Sin.DetachFromDisposeScope(), angles.SignedSin.DetachFromDisposeScope());
            }
            return new RotaryAngles(table.Cos.narrow(2, start, length), table.Sin.narrow(2, start, length), table.SignedSin.narrow(2, start, length));
        }
    }

    /// <summary>The angles computed afresh (with the dynamic scaling when positions reach the limit), each [1, 1, length, head_dim].</summary>
    public RotaryAngles ComputeAngles(long start, long length, Device device)
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
        var cos = angles.cos().mul(scaling).view(1, 1, length, HeadDim);                           // [1, 1, T, hd]
        var sin = angles.sin().mul(scaling).view(1, 1, length, HeadDim);                           // [1, 1, T, hd]
        var halves = sin.chunk(2, -1);
        var signedSin = cat([halves[0].neg(), halves[1]], -1);                                     // [1, 1, T, hd]
        return new RotaryAngles(cos, sin, signedSin);
    }

    /// <summary>
    /// <c>x·cos + rotate_half(x)·sin</c> for x [B, heads, T, hd], written as <c>x·cos + roll(x, hd/2)·signed_sin</c>:
    /// rolling by half swaps the halves, and the minus sign of rotate_half is folded into the first half of the sine
    /// (<c>(−a)·b = a·(−b)</c> exactly), so the result is bit for bit the same with two operations fewer and no
    /// concatenation. With float32 angles the result is float32 (the reference's type promotion under autocast).
    /// </summary>
    public static Tensor Apply(Tensor x, RotaryAngles angles)
    {
        var rolled = x.roll(x.shape[^1] / 2, -1); // [B, heads, T, hd]: [x2, x1]
        return x.mul(angles.Cos).add(rolled.mul(angles.SignedSin), NativeScalars.One);
    }

    /// <summary>Frees the cached angle tables (the decoder disposes its rotary embedding with itself).</summary>
    public void Dispose()
    {
        lock (tableLock)
        {
            table?.Dispose();
            table = null;
        }
    }
}
