using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// Per-block key/value cache for incremental decoding, preallocated for <see cref="Capacity"/> positions so a
/// decode step writes one slot instead of concatenating (and copying) the whole cache as the reference does.
/// Keys are stored after RoPE and before the GQA repeat: [B, n_kv_heads, capacity, head_dim].
/// Inference only (use under <c>torch.no_grad()</c>); dispose it to free the buffers.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] keys;
    private readonly Tensor?[] values;
    private readonly long[] pending;

    public KvCache(int blocks, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        keys = new Tensor?[blocks];
        values = new Tensor?[blocks];
        pending = new long[blocks];
        Capacity = capacity;
    }

    /// <summary>Positions held (the start position of the next forward).</summary>
    public long Length { get; private set; }

    public long Capacity { get; }

    /// <summary>
    /// Writes this step's keys and values [B, n_kv, T, hd] of one block after the cached ones and returns views of
    /// everything cached so far, [B, n_kv, Length + T, hd].
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int block, Tensor newKeys, Tensor newValues)
    {
        var length = newKeys.shape[2];
        if (Length + length > Capacity)
            throw new InvalidOperationException($"KV cache full: {Length} + {length} positions exceed its capacity of {Capacity}.");
        var k = keys[block] ??= Allocate(newKeys);
        var v = values[block] ??= Allocate(newValues);
        k.narrow(2, Length, length).copy_(newKeys);
        v.narrow(2, Length, length).copy_(newValues);
        pending[block] = length;
        return (k.narrow(2, 0, Length + length), v.narrow(2, 0, Length + length));
    }

    /// <summary>Commits the positions appended by the forward that just ran through every block.</summary>
    public void Advance(long length)
    {
        foreach (var written in pending)
        {
            if (written != length)
                throw new InvalidOperationException($"Every block must append {length} positions before the cache advances.");
        }
        Array.Clear(pending);
        Length += length;
    }

    private Tensor Allocate(Tensor like)
    {
        var shape = new[] { like.shape[0], like.shape[1], Capacity, like.shape[3] };
        // Owned by the cache, not by whatever dispose scope is open during the first forward.
        return zeros(shape, dtype: like.dtype, device: like.device).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i]?.Dispose();
            values[i]?.Dispose();
            keys[i] = null;
            values[i] = null;
        }
    }
}
