using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// The logits of a tied head: <c>hidden @ token_embedding.weightᵀ</c>, as a module without parameters of its own (the
/// weight is read from the embedding at each call, so the tie survives <c>module.to(...)</c> and checkpoints keep one
/// matrix). A module rather than a bare function call so that what watches or changes modules (the NaN guard's
/// probe, the fp16 emulation, modules pinned to fp32) sees the logits as <c>decoder.head</c>, as with an untied head.
/// </summary>
public sealed class TiedLinearHead : nn.Module<Tensor, Tensor>
{
    private readonly Func<Tensor> _weight;

    public TiedLinearHead(Func<Tensor> weight) : base(nameof(TiedLinearHead))
    {
        _weight = weight;
        RegisterComponents();
    }

    /// <param name="hidden">[..., H]</param>
    /// <returns>[..., V]</returns>
    public override Tensor forward(Tensor hidden) => nn.functional.linear(hidden, _weight());
}
