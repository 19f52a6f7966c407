using static TorchSharp.torch;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Model;

/// <summary>Pre-norm decoder block: <c>x + attn(norm1(x))</c>, then <c>x + mlp(norm2(x))</c>.</summary>
public sealed class LanguageModelBlock : nn.Module
{
    private readonly LanguageModelMlp mlp;
    private readonly LanguageModelAttention attn;
    private readonly RmsNorm norm1;
    private readonly RmsNorm norm2;

    public LanguageModelBlock(VlmConfig config) : base(nameof(LanguageModelBlock))
    {
        mlp = new LanguageModelMlp(config);
        attn = new LanguageModelAttention(config);
        norm1 = new RmsNorm(config.LmHiddenDim, config.LmRmsEps);
        norm2 = new RmsNorm(config.LmHiddenDim, config.LmRmsEps);
        RegisterComponents();
    }

    /// <param name="x">[B, T, H]</param>
    /// <returns>[B, T, H]</returns>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, (KvCache Cache, int Block)? cache)
    {
        x = x.add(attn.Forward(norm1.call(x), cos, sin, mask, cache), NativeScalars.One);
        return x.add(mlp.call(norm2.call(x)), NativeScalars.One);
    }
}
