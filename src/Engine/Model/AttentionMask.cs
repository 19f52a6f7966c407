using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// The decoder's one explicit additive attention mask, combining causality with key padding, in float32.
/// </summary>
/// <remarks>
/// <para>Two finite levels instead of −inf (spec §10.2):</para>
/// <list type="bullet">
/// <item>a padded key that the query may otherwise see gets <see cref="PaddedKey"/> (≈ −8.5e37);</item>
/// <item>a future key gets <see cref="FutureKey"/> (≈ −1.7e38), far below the padded level.</item>
/// </list>
/// <para>
/// A real query row keeps its real keys and gives pads exp(−8.5e37) = 0 weight. A query at a left-padded
/// position sees only pads: they all sit at the same finite level (the score is absorbed by the magnitude of
/// the mask), so the row becomes a uniform average over the pads up to itself instead of an all −inf row and a
/// NaN. That is exactly what the reference computes (its additive <c>finfo.min</c> padding mask plus a −inf
/// causal mask), so pad rows match it too, and future keys still get exactly zero weight. No row is ever fully
/// masked: a query always sees its own key, at worst at the padded level.
/// </para>
/// <para>
/// The values only stay finite in float32 (−8.5e37 is −inf in fp16), so the mask is float32 and attention scores
/// are computed in float32 (see <see cref="LanguageModelAttention"/>).
/// </para>
/// </remarks>
public static class AttentionMask
{
    public const float PaddedKey = float.MinValue / 4;
    public const float FutureKey = float.MinValue / 2;

    /// <summary>
    /// An additive mask [B, 1, T_q, T_kv] for T_q queries that are the last T_q of T_kv positions.
    /// </summary>
    /// <param name="keyPadding">[B, T_kv], 1 = real token, 0 = padding; null = no padding.</param>
    public static Tensor Build(Tensor? keyPadding, long batch, long queryLength, long keyLength, Device device)
    {
        if (queryLength > keyLength)
            throw new ArgumentException($"{queryLength} queries cannot be the last positions of {keyLength} keys.");
        var offset = keyLength - queryLength;
        var queryPositions = arange(offset, keyLength, dtype: ScalarType.Int64, device: device).unsqueeze(1); // [T_q, 1]
        var keyPositions = arange(0, keyLength, dtype: ScalarType.Int64, device: device).unsqueeze(0);        // [1, T_kv]
        var future = keyPositions.gt(queryPositions).unsqueeze(0).unsqueeze(0);                               // [1, 1, T_q, T_kv]

        Tensor mask;
        if (keyPadding is null)
        {
            mask = zeros(batch, 1, queryLength, keyLength, dtype: ScalarType.Float32, device: device);
        }
        else
        {
            if (keyPadding.dim() != 2 || keyPadding.shape[0] != batch || keyPadding.shape[1] != keyLength)
                throw new ArgumentException($"attention_mask must be [{batch}, {keyLength}] (batch, keys so far), got [{string.Join(", ", keyPadding.shape)}].");
            var padded = keyPadding.eq(0).to(ScalarType.Float32).mul(PaddedKey);        // [B, T_kv]: 0 or PaddedKey
            mask = padded.view(batch, 1, 1, keyLength).expand(batch, 1, queryLength, keyLength);
        }
        return mask.masked_fill(future, FutureKey); // [B, 1, T_q, T_kv]
    }
}
