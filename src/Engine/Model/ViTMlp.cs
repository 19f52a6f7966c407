using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary><c>fc2(gelu_tanh(fc1(x)))</c>: SigLIP's <c>gelu_pytorch_tanh</c> MLP, with biases.</summary>
public sealed class ViTMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly double dropout;

    public ViTMlp(VlmConfig config) : base(nameof(ViTMlp))
    {
        fc1 = nn.Linear(config.VitHiddenDim, config.VitInterDim, hasBias: true);
        fc2 = nn.Linear(config.VitInterDim, config.VitHiddenDim, hasBias: true);
        dropout = config.VitDropout;
        RegisterComponents();
    }

    /// <param name="x">[B, T, C]</param>
    /// <returns>[B, T, C]</returns>
    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.gelu(fc1.call(x), GELU.Approximate.tanh); // [B, T, I]
        var y = fc2.call(h);
        return dropout > 0 ? nn.functional.dropout(y, dropout, training) : y;
    }
}
