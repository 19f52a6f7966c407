using TorchSharp;

namespace NanoVlm.Engine.Runtime;

/// <summary>
/// Numbers handed to libtorch as <see cref="Scalar"/>s that stay alive for the whole call.
/// </summary>
/// <remarks>
/// Where a TorchSharp method takes a <see cref="Scalar"/> (the alpha of <c>x.add(y)</c>, <c>x.mul(0.5)</c>,
/// <c>mask.ne(0)</c>, <c>arange(0, n)</c>) and gets a plain number, it makes a Scalar that nothing references once its
/// native handle has been read. The garbage collector's finalizer can then free the native value while libtorch is
/// still reading it: the call throws "Expected false to be true ... toFloat" (or reads garbage). Reproduced here with
/// a thread collecting garbage next to a loop of <c>x.add(y)</c> (a few seconds), and hit by a nanoVLM-222M bf16
/// training step on a loaded machine. So the model and the training step never pass bare numbers: they use these
/// constants (process-lifetime, never freed), or <c>using Scalar s = value;</c> for computed values, which keeps the
/// Scalar alive until the end of the block and frees it deterministically.
/// </remarks>
public static class NativeScalars
{
    public static Scalar Zero { get; } = 0.ToScalar();
    public static Scalar One { get; } = 1.ToScalar();
    public static Scalar Two { get; } = 2.ToScalar();
}
