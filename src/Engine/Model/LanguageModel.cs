using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>
/// The Llama-style decoder (nanoVLM <c>LanguageModel</c>) in embedding mode: it takes embeddings (the VLM merges
/// image rows into them first) and returns final-norm hidden states; <see cref="Head"/> turns them into logits.
/// Positions are <c>start .. start+T-1</c> for every row, ignoring padding, as in the reference.
/// </summary>
/// <remarks>
/// Tied weights: with <c>lm_tie_weights</c> the <c>head</c> is a <see cref="TiedLinearHead"/> without parameters; the
/// logits use <c>token_embedding.weight</c> directly. That keeps the tie intact through <c>module.to(dtype)</c> (which
/// replaces each field's Parameter separately and would silently untie two fields sharing one). Checkpoints
/// store that matrix as <c>decoder.head.weight</c>, as the reference's safetensors files do.
/// </remarks>
public sealed class LanguageModel : nn.Module
{
    private readonly TokenEmbedding token_embedding;
    private readonly RotaryEmbedding rotary_embd;
    private readonly ModuleList<LanguageModelBlock> blocks;
    private readonly RmsNorm norm;
    private readonly nn.Module<Tensor, Tensor> head;

    public LanguageModel(VlmConfig config) : base(nameof(LanguageModel))
    {
        token_embedding = new TokenEmbedding(config.LmVocabSize, config.LmHiddenDim);
        rotary_embd = new RotaryEmbedding(config);
        blocks = new ModuleList<LanguageModelBlock>(
            Enumerable.Range(0, config.LmNBlocks).Select(_ => new LanguageModelBlock(config)).ToArray());
        norm = new RmsNorm(config.LmHiddenDim, config.LmRmsEps);
        head = config.LmTieWeights
            ? new TiedLinearHead(() => token_embedding.Weight)
            : nn.Linear(config.LmHiddenDim, config.LmVocabSize, hasBias: false);
        RegisterComponents();
        InitializeWeights();
    }

    public int BlockCount => blocks.Count;

    public bool TiedHead => head is TiedLinearHead;

    public RotaryEmbedding Rotary => rotary_embd;

    /// <summary>The blocks and the final norm, for <c>bench --profile</c>, which times each part of a forward.</summary>
    internal IList<LanguageModelBlock> Blocks => blocks;

    internal RmsNorm FinalNorm => norm;

    /// <summary>The embedding matrix [V, H] (also the head's weight when tied).</summary>
    public Parameter TokenEmbeddingWeight => token_embedding.Weight;

    /// <summary>The head's weight [V, H]: its own matrix when untied, the embedding matrix when tied.</summary>
    public Parameter HeadWeight => head is Linear untied ? untied.weight! : token_embedding.Weight;

    /// <summary>[B, T] ids → [B, T, H] embeddings.</summary>
    public Tensor EmbedTokens(Tensor inputIds) => token_embedding.call(inputIds);

    /// <summary>
    /// Runs the blocks and the final norm.
    /// </summary>
    /// <param name="embeddings">[B, T, H]</param>
    /// <param name="attentionMask">[B, T_kv] (1 = token, 0 = pad) covering cached and new positions, or null</param>
    /// <param name="cache">when given, the new positions start at <see cref="KvCache.Length"/> and are appended to it</param>
    /// <returns>hidden states [B, T, H]</returns>
    public Tensor Forward(Tensor embeddings, Tensor? attentionMask, KvCache? cache = null)
    {
        var batch = embeddings.shape[0];
        var length = embeddings.shape[1];
        var start = cache?.Length ?? 0;
        var device = embeddings.device;

        var angles = rotary_embd.Compute(start, length, device);                          // [1, 1, T, hd] each
        var mask = AttentionMask.Build(attentionMask, batch, length, start + length, device); // [B, 1, T, T_kv]

        var x = embeddings;
        for (var i = 0; i < blocks.Count; i++)
        {
            x = blocks[i].Forward(x, angles, mask, cache is null ? null : (cache, i));
        }
        cache?.Advance(length);
        return norm.call(x);
    }

    /// <summary>[..., H] hidden states → [..., V] logits.</summary>
    public Tensor Head(Tensor hidden) => head.call(hidden);

    protected override void Dispose(bool disposing)
    {
        if (disposing) rotary_embd.Dispose(); // its cached angle tables
        base.Dispose(disposing);
    }

    /// <summary>nanoVLM's init: Linear and Embedding N(0, 0.02); RMSNorm weights 1 (already).</summary>
    private void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (!name.EndsWith("norm1.weight", StringComparison.Ordinal)
                && !name.EndsWith("norm2.weight", StringComparison.Ordinal)
                && name != "norm.weight")
            {
                nn.init.normal_(parameter, 0.0, 0.02);
            }
        }
    }
}
