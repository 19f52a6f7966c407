using static TorchSharp.torch;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Model;

/// <summary>Pre-norm ViT block: <c>x + attn(ln1(x))</c>, then <c>x + mlp(ln2(x))</c>.</summary>
public sealed class ViTBlock : nn.Module<Tensor, Tensor>
{
    private readonly Float32LayerNorm ln1;
    private readonly ViTAttention attn;
    private readonly Float32LayerNorm ln2;
    private readonly ViTMlp mlp;

    public ViTBlock(VlmConfig config) : base(nameof(ViTBlock))
    {
        ln1 = new Float32LayerNorm(config.VitHiddenDim, config.VitLnEps);
        attn = new ViTAttention(config);
        ln2 = new Float32LayerNorm(config.VitHiddenDim, config.VitLnEps);
        mlp = new ViTMlp(config);
        RegisterComponents();
    }

    /// <param name="x">[B, T, C]</param>
    /// <returns>[B, T, C]</returns>
    public override Tensor forward(Tensor x)
    {
        x = x.add(attn.call(ln1.call(x)), NativeScalars.One);
        return x.add(mlp.call(ln2.call(x)), NativeScalars.One);
    }
}
