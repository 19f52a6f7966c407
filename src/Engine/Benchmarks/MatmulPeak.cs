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
        using var product = new SquareProduct(dtype, size);
        return product.Gflops(Measure.MedianMilliseconds(product.Run, warmups: 2, repeats: repeats));
    }
}

/// <summary>One n×n by n×n product in a precision, ready to be timed (alone or between other work).</summary>
public sealed class SquareProduct : IDisposable
{
    private readonly Tensor _a;
    private readonly Tensor _b;

    public SquareProduct(ScalarType dtype, int size)
    {
        Size = size;
        var generator = new Generator(7);
        using var a = randn([size, size], generator: generator);
        using var b = randn([size, size], generator: generator);
        _a = a.to(dtype);                                                            // [n, n]
        _b = b.to(dtype);                                                            // [n, n]
    }

    public int Size { get; }

    public void Run()
    {
        using var noGrad = no_grad();
        using var product = _a.matmul(_b);                                          // [n, n]
    }

    public double Gflops(double milliseconds) => 2.0 * Size * Size * Size / (milliseconds / 1000) / 1e9;

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
