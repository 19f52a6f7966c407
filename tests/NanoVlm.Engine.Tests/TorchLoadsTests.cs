using TorchSharp;

namespace NanoVlm.Engine.Tests;

public sealed class TorchLoadsTests
{
    [Fact]
    public void MatrixProductRunsOnThisMachine()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var product = torch.matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }
}
