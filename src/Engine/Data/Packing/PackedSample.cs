namespace NanoVlm.Engine.Data.Packing;

/// <summary>
/// One sample as a shard stores it: the token ids of the whole conversation (unpadded), the shifted labels, and the
/// sample's tiles in placeholder order.
/// </summary>
/// <param name="Id">the sample's id (the NaN guard's diagnosis names it)</param>
/// <param name="InputIds">[L] token ids</param>
/// <param name="Labels">[L] label t = id t+1 where trained, else −100</param>
/// <param name="Pixels">[Tiles, 3, S, S] float32 in [0, 1], flattened</param>
/// <param name="Tiles">the number of tiles in <paramref name="Pixels"/></param>
public sealed record PackedSample(string Id, long[] InputIds, long[] Labels, float[] Pixels, int Tiles)
{
    public int Length => InputIds.Length;

    public long LabelledTokens => Labels.LongCount(l => l != ShardFormat.IgnoreIndex);
}
