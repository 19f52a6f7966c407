using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// <c>nn.LayerNorm(dim, eps)</c> with weight and bias, normalising in float32 whatever the input dtype (the
/// statistics of a bf16/fp16 activation are not trustworthy), then casting back to the input dtype.
/// Parameters: <c>weight</c> [dim] (init 1), <c>bias</c> [dim] (init 0).
/// </summary>
public sealed class Float32LayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long[] normalizedShape;
    private readonly double eps;

    public Float32LayerNorm(long dim, double eps) : base(nameof(Float32LayerNorm))
    {
        weight = new Parameter(ones(dim));
        bias = new Parameter(zeros(dim));
        normalizedShape = [dim];
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.layer_norm(Precision.ToFloat32(x), normalizedShape,
            Precision.ToFloat32(weight), Precision.ToFloat32(bias), eps);
        return y.to(x.dtype);
    }
}
