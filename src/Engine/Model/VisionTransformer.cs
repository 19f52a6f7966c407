using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// SigLIP-style ViT without a pooling head (nanoVLM <c>ViT</c>): patch embedding, pre-norm blocks, and a final
/// LayerNorm over all tokens (SigLIP's <c>post_layernorm</c>). With <c>vit_cls_flag</c> the output is the
/// normalised CLS token only.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly ViTPatchEmbeddings patch_embedding;
    private readonly ModuleList<ViTBlock> blocks;
    private readonly Float32LayerNorm layer_norm;
    private readonly bool clsFlag;
    private readonly double dropout;

    public VisionTransformer(VlmConfig config) : base(nameof(VisionTransformer))
    {
        patch_embedding = new ViTPatchEmbeddings(config);
        blocks = new ModuleList<ViTBlock>(Enumerable.Range(0, config.VitNBlocks).Select(_ => new ViTBlock(config)).ToArray());
        layer_norm = new Float32LayerNorm(config.VitHiddenDim, config.VitLnEps);
        clsFlag = config.VitClsFlag;
        dropout = config.VitDropout;
        RegisterComponents();
        InitializeWeights();
    }

    /// <param name="x">[N, 3, S, S] pixels</param>
    /// <returns>[N, patches, D], or [N, D] with the CLS flag</returns>
    public override Tensor forward(Tensor x)
    {
        x = patch_embedding.call(x); // [N, P, D]
        if (dropout > 0) x = nn.functional.dropout(x, dropout, training);
        foreach (var block in blocks) x = block.call(x);
        return clsFlag ? layer_norm.call(x.select(1, 0)) : layer_norm.call(x);
    }

    /// <summary>
    /// nanoVLM's init for the blocks (Linear weights N(0, 0.02), zero biases, LayerNorms 1/0); the patch embedding
    /// has its own from-scratch init (see <see cref="ViTPatchEmbeddings.InitializeFromScratch"/>).
    /// </summary>
    private void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            var isNorm = name.Contains(".ln1.", StringComparison.Ordinal) || name.Contains(".ln2.", StringComparison.Ordinal)
                         || name.StartsWith("layer_norm.", StringComparison.Ordinal);
            if (isNorm || name.StartsWith("patch_embedding.", StringComparison.Ordinal))
                continue;
            if (name.EndsWith(".bias", StringComparison.Ordinal)) nn.init.zeros_(parameter);
            else nn.init.normal_(parameter, 0.0, 0.02);
        }
        patch_embedding.InitializeFromScratch();
    }
}
