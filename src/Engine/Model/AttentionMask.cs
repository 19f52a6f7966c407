using TorchSharp;
using static TorchSharp.torch;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Model;

/// <summary>
/// The decoder's one explicit attention mask, combining causality with key padding (spec §10.2).
/// </summary>
/// <param name="Allowed">[B, 1, T_q, T_kv] bool, true = the query may attend to the key.</param>
/// <param name="FullyPaddedQueries">
/// [B, 1, T_q, 1] bool, true for a query that can see no real key (a left-padded position), or null when there is
/// none. Such a query is zeroed before attention (see remarks).
/// </param>
/// <remarks>
/// <para>
/// Why boolean and not additive: an additive mask made of <c>finfo(float32).min</c> becomes −inf as soon as
/// autocast hands it to a half-precision kernel, and a row where every key is −inf turns into NaN, which then
/// spreads to real tokens through <c>0 × NaN</c>. A boolean mask cannot overflow in any dtype, and this one never
/// leaves a query row without a key.
/// </para>
/// <para>
/// What a left-padded query sees: the reference adds <c>finfo.min</c> to every padded key and −inf to future
/// keys; for a query whose visible keys are all pads, every visible score becomes exactly <c>finfo.min</c> (the
/// score is absorbed), so the row is a uniform average over the pads up to itself. Here such a query may attend
/// to all its causally visible keys and its query vector is zeroed, so every score is exactly 0 and the average is
/// uniform too: pad positions match the reference, and nothing is ever fully masked. Every other query sees its
/// visible real keys only (its own key included when it is real), as in the reference.
/// </para>
/// </remarks>
public sealed record AttentionMask(Tensor Allowed, Tensor? FullyPaddedQueries)
{
    /// <summary>
    /// The mask for <paramref name="queryLength"/> queries that are the last positions of <paramref name="keyLength"/> keys.
    /// </summary>
    /// <param name="keyPadding">[B, T_kv], 1 = real token, 0 = padding; null = no padding.</param>
    public static AttentionMask Build(Tensor? keyPadding, long batch, long queryLength, long keyLength, Device device)
    {
        if (queryLength > keyLength)
            throw new ArgumentException($"{queryLength} queries cannot be the last positions of {keyLength} keys.");
        var offset = keyLength - queryLength;
        using Scalar first = offset, end = keyLength;
        var queryPositions = arange(first, end, NativeScalars.One, dtype: ScalarType.Int64, device: device).view(1, 1, queryLength, 1);
        var keyPositions = arange(NativeScalars.Zero, end, NativeScalars.One, dtype: ScalarType.Int64, device: device).view(1, 1, 1, keyLength);
        var causal = keyPositions.le(queryPositions);                                           // [1, 1, T_q, T_kv]

        if (keyPadding is null)
            return new AttentionMask(causal.expand(batch, 1, queryLength, keyLength), null);
        if (keyPadding.dim() != 2 || keyPadding.shape[0] != batch || keyPadding.shape[1] != keyLength)
            throw new ArgumentException($"attention_mask must be [{batch}, {keyLength}] (batch, keys so far), got [{string.Join(", ", keyPadding.shape)}].");

        var realKeys = keyPadding.ne(NativeScalars.Zero).to(device).view(batch, 1, 1, keyLength);               // [B, 1, 1, T_kv]
        var visibleReal = causal.logical_and(realKeys);                                         // [B, 1, T_q, T_kv]
        var fullyPadded = visibleReal.any(-1, keepdim: true).logical_not();                     // [B, 1, T_q, 1]
        var allowed = visibleReal.logical_or(causal.logical_and(fullyPadded));                  // [B, 1, T_q, T_kv]
        return new AttentionMask(allowed, fullyPadded.any().item<bool>() ? fullyPadded : null);
    }
}
