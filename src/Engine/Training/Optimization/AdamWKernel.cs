using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Optimization;

/// <summary>The per-group numbers of one AdamW update, as float32 (what libtorch turns the Scalars into for float32 tensors).</summary>
/// <param name="Decay">1 − lr·weight_decay</param>
/// <param name="FirstMomentWeight">1 − β1 (the weight of <c>exp_avg.lerp_(grad, 1 − β1)</c>)</param>
/// <param name="Beta2">β2</param>
/// <param name="SecondMomentWeight">1 − β2</param>
/// <param name="SecondCorrection">√(1 − β2^t)</param>
/// <param name="Eps">ε</param>
/// <param name="StepSize">−lr / (1 − β1^t)</param>
internal readonly record struct AdamWCoefficients(
    float Decay, float FirstMomentWeight, float Beta2, float SecondMomentWeight, float SecondCorrection, float Eps, float StepSize);

/// <summary>
/// One AdamW update of a float32 CPU parameter in a single pass over its memory. <c>torch.optim.AdamW</c>'s
/// single-tensor step, which <see cref="AdamW"/> otherwise runs as libtorch calls, reads and writes the parameter and
/// its moments eight times (mul_, lerp_, mul_, addcmul_, sqrt, div_, add_, addcdiv_) and allocates the denominator:
/// on a CPU the update is bound by memory traffic, and that cost a third of a <c>small</c> step (docs/benchmarks.md).
/// Here each element is loaded once and the same float32 operations are applied in the same order and with the same
/// roundings as libtorch's CPU kernels: <c>p·decay</c>; <c>fma(w, g − m, m)</c> (lerp for w &lt; ½);
/// <c>fma((1−β2)·g, g, v·β2)</c> (addcmul, which libtorch's compiler contracts); <c>p + (s·m) / (√v / c + ε)</c>
/// (addcdiv). The moments come out bit for bit as libtorch's, the parameter within one ulp (0.02% of the elements
/// differ by one ulp; a test checks both). The update is deterministic, so resuming stays exact.
/// </summary>
internal static class AdamWKernel
{
    /// <summary>Tensors smaller than this are updated on the calling thread alone (splitting would cost more than it saves).</summary>
    private const int ParallelThreshold = 1 << 17;

    private const int ChunkElements = 1 << 15;

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);

    /// <summary>Whether the single-pass update applies: float32 CPU tensors of one shape, each contiguous.</summary>
    public static bool Applies(Tensor parameter, Tensor grad, Tensor expAvg, Tensor expAvgSq) =>
        parameter.dtype == ScalarType.Float32 && grad.dtype == ScalarType.Float32
        && parameter.device_type == DeviceType.CPU && grad.device_type == DeviceType.CPU
        && expAvg.device_type == DeviceType.CPU && expAvgSq.device_type == DeviceType.CPU
        && parameter.numel() == grad.numel() && parameter.shape.SequenceEqual(grad.shape)
        && parameter.is_contiguous() && grad.is_contiguous() && expAvg.is_contiguous() && expAvgSq.is_contiguous()
        && parameter.numel() <= int.MaxValue;

    /// <summary>Updates <paramref name="parameter"/>, <paramref name="expAvg"/> and <paramref name="expAvgSq"/> in place.</summary>
    public static unsafe void Update(Tensor parameter, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWCoefficients c, int threads)
    {
        var length = (int)parameter.numel();
        if (length == 0) return;
        var p = (float*)THSTensor_data(parameter.Handle);
        var g = (float*)THSTensor_data(grad.Handle);
        var m = (float*)THSTensor_data(expAvg.Handle);
        var v = (float*)THSTensor_data(expAvgSq.Handle);
        if (length < ParallelThreshold || threads <= 1)
        {
            UpdateRange(p, g, m, v, 0, length, c);
            return;
        }
        var chunks = (length + ChunkElements - 1) / ChunkElements;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
        {
            var start = chunk * ChunkElements;
            UpdateRange(p, g, m, v, start, Math.Min(length, start + ChunkElements), c);
        });
    }

    private static unsafe void UpdateRange(float* p, float* g, float* m, float* v, int start, int end, AdamWCoefficients c)
    {
        var i = start;
        var width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var decay = new Vector<float>(c.Decay);
            var w = new Vector<float>(c.FirstMomentWeight);
            var beta2 = new Vector<float>(c.Beta2);
            var w2 = new Vector<float>(c.SecondMomentWeight);
            var correction = new Vector<float>(c.SecondCorrection);
            var eps = new Vector<float>(c.Eps);
            var stepSize = new Vector<float>(c.StepSize);
            for (; i <= end - width; i += width)
            {
                var gi = Vector.Load(g + i);
                var mi = Vector.Load(m + i);
                var vi = Vector.Load(v + i);
                var pi = Vector.Load(p + i) * decay;
                mi = Vector.FusedMultiplyAdd(w, gi - mi, mi); // libtorch's lerp: fma(weight, end - self, self) for weight < ½
                vi = Vector.FusedMultiplyAdd(w2 * gi, gi, vi * beta2); // mul_(β2), then addcmul_ as libtorch's compiler fuses it
                var denominator = Vector.SquareRoot(vi) / correction + eps;
                pi += stepSize * mi / denominator;           // libtorch's addcdiv: self + value · t1 / t2
                mi.Store(m + i);
                vi.Store(v + i);
                pi.Store(p + i);
            }
        }
        for (; i < end; i++)
        {
            var gi = g[i];
            var mi = MathF.FusedMultiplyAdd(c.FirstMomentWeight, gi - m[i], m[i]);
            var vi = MathF.FusedMultiplyAdd(c.SecondMomentWeight * gi, gi, v[i] * c.Beta2);
            var denominator = MathF.Sqrt(vi) / c.SecondCorrection + c.Eps;
            p[i] = p[i] * c.Decay + c.StepSize * mi / denominator;
            m[i] = mi;
            v[i] = vi;
        }
    }
}
