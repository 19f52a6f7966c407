using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// <c>nn.Embedding(vocab, dim)</c> with a managed <c>weight</c> Parameter [vocab, dim] (init N(0, 0.02) by the
/// decoder). TorchSharp's native Embedding hands out a new Parameter wrapper on every <c>.weight</c> access,
/// which leaks a handle per call outside a dispose scope and makes "is the head the embedding" impossible to
/// see; owning the Parameter here keeps one identity for the tied head.
/// </summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public TokenEmbedding(long vocabSize, long dim) : base(nameof(TokenEmbedding))
    {
        weight = new Parameter(empty(vocabSize, dim));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    /// <param name="ids">[...] int64</param>
    /// <returns>[..., dim]</returns>
    public override Tensor forward(Tensor ids)
    {
        long[] shape = [.. ids.shape, weight.shape[1]];
        return weight.index_select(0, ids.reshape(-1)).reshape(shape);
    }
}
