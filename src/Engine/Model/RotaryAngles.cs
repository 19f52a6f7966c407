using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// Rotary angles for a run of positions, each [1, 1, T, head_dim] float32 (ready to broadcast over [B, heads, T, hd]).
/// </summary>
/// <param name="Cos">cos of the angles, times the attention scaling</param>
/// <param name="Sin">sin of the angles, times the attention scaling</param>
/// <param name="SignedSin"><see cref="Sin"/> with its first half negated: rotate_half's sign, folded in (see <see cref="RotaryEmbedding.Apply"/>)</param>
public sealed record RotaryAngles(Tensor Cos, Tensor Sin, Tensor SignedSin) : IDisposable
{
    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
        SignedSin.Dispose();
    }
}
