using static TorchSharp.torch;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>The roof for everything else: a square matrix product's speed, in this process, in fp32 and bf16.</summary>
/// <param name="Size">n of the n×n by n×n product (2n³ floating-point operations)</param>
public sealed record MatmulPeakFigures(int Size, double Fp32Gflops, double Bf16Gflops)
{
    /// <summary>How much faster bf16 multiplies than fp32 here (about 1 where bf16 is emulated, 2-4 with avx512_bf16/AMX).</summary>
    public double Bf16OverFp32 => Bf16Gflops / Fp32Gflops;
}

/// <summary>
/// Measures GFLOP/s of <c>matmul</c> on square matrices large enough to keep every intra-op thread busy (2048 on a
/// few cores), as the median of repeated products after warm-up. bf16 multiplies bf16 tensors directly, which is
/// what autocast does inside each linear layer.
/// </summary>
public static class MatmulPeak
{
    public const int DefaultSize = 2048;

    public static MatmulPeakFigures Run(int size, int repeats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 64);
        return new MatmulPeakFigures(size, Gflops(ScalarType.Float32, size, repeats), Gflops(ScalarType.BFloat16, size, repeats));
    }

    private static double Gflops(ScalarType dtype, int size, int repeats)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator(7);
        var a = randn([size, size], generator: generator).to(dtype);                 // [n, n]
        var b = randn([size, size], generator: generator).to(dtype);                 // [n, n]
        var milliseconds = Measure.MedianMilliseconds(() =>
        {
            using var product = a.matmul(b);                                         // [n, n]
        }, warmups: 2, repeats: repeats);
        return 2.0 * size * size * size / (milliseconds / 1000) / 1e9;
    }
}
