using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// nanoVLM's modality projector: pixel shuffle (space-to-depth by factor s) then one bias-free Linear from
/// <c>vit_hidden_dim·s²</c> to <c>lm_hidden_dim</c>.
/// </summary>
public sealed class ModalityProjector : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;
    private readonly int factor;

    public ModalityProjector(VlmConfig config) : base(nameof(ModalityProjector))
    {
        factor = config.MpPixelShuffleFactor;
        proj = nn.Linear((long)config.VitHiddenDim * factor * factor, config.LmHiddenDim, hasBias: false);
        RegisterComponents();
        using var noGrad = no_grad();
        nn.init.normal_(proj.weight!, 0.0, 0.02);
    }

    /// <param name="x">[N, S, C] ViT tokens, S = side²</param>
    /// <returns>[N, S/s², lm_hidden_dim]</returns>
    public override Tensor forward(Tensor x) => proj.call(PixelShuffle(x, factor));

    /// <summary>
    /// nanoVLM's own order (not Idefics3's): output token <c>ho·(side/s) + wo</c> holds the s×s block of patches
    /// at rows <c>ho·s + i</c>, cols <c>wo·s + j</c>, concatenated with feature index <c>(i·s + j)·C + c</c>.
    /// </summary>
    /// <param name="x">[N, S, C]</param>
    /// <returns>[N, S/s², s²·C]</returns>
    public static Tensor PixelShuffle(Tensor x, int s)
    {
        var (n, sequence, channels) = (x.shape[0], x.shape[1], x.shape[2]);
        var side = (long)Math.Round(Math.Sqrt(sequence));
        if (side * side != sequence)
            throw new ArgumentException($"pixel shuffle needs a square number of tokens, got {sequence}.");
        if (side % s != 0)
            throw new ArgumentException($"pixel shuffle factor {s} must divide the token grid side {side}.");
        var outer = side / s;
        return x.reshape(n, outer, s, outer, s, channels) // [N, ho, i, wo, j, C]
            .permute(0, 1, 3, 2, 4, 5)                   // [N, ho, wo, i, j, C]
            .reshape(n, outer * outer, s * s * channels); // [N, ho·wo, (i·s + j)·C + c]
    }
}
