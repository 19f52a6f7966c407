using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>Helpers for the float32 islands (norms, softmax, RoPE angles, loss) inside a lower-precision model.</summary>
internal static class Precision
{
    /// <summary>The tensor itself when already float32, else a float32 copy.</summary>
    public static Tensor ToFloat32(Tensor t) => t.dtype == ScalarType.Float32 ? t : t.to(ScalarType.Float32);
}
