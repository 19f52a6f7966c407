using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Model;

/// <summary>
/// RMSNorm as nanoVLM writes it: <c>x * rsqrt(mean(x², -1) + eps) * weight</c> (same operation order), but
/// always computed in float32 and cast back to the input dtype: in fp16, <c>x²</c> overflows for |x| &gt; 256
/// (spec §10.3). TorchSharp 0.107 has no RMSNorm of its own. Parameter: <c>weight</c> [dim] (init 1).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(long dim, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(dim));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var x32 = Precision.ToFloat32(x);                                   // [..., dim]
        using Scalar epsilon = eps;
        var inverseRms = x32.pow(NativeScalars.Two).mean([-1], keepdim: true).add(epsilon, NativeScalars.One).rsqrt(); // [..., 1]
        return x32.mul(inverseRms).mul(Precision.ToFloat32(weight)).to(x.dtype);
    }
}
