using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

internal static class TensorAssert
{
    /// <summary>Same shape and bit-identical values.</summary>
    public static void Same(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), "tensors differ");
    }
}
