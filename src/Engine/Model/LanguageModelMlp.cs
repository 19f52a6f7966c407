using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>SwiGLU feed-forward: <c>down_proj(silu(gate_proj(x)) * up_proj(x))</c>, no biases.</summary>
public sealed class LanguageModelMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public LanguageModelMlp(VlmConfig config) : base(nameof(LanguageModelMlp))
    {
        gate_proj = nn.Linear(config.LmHiddenDim, config.LmInterDim, hasBias: false);
        up_proj = nn.Linear(config.LmHiddenDim, config.LmInterDim, hasBias: false);
        down_proj = nn.Linear(config.LmInterDim, config.LmHiddenDim, hasBias: false);
        RegisterComponents();
    }

    /// <param name="x">[B, T, H]</param>
    /// <returns>[B, T, H]</returns>
    public override Tensor forward(Tensor x)
    {
        var gate = nn.functional.silu(gate_proj.call(x)); // [B, T, I]
        return down_proj.call(gate.mul(up_proj.call(x)));
    }
}
