using TorchSharp;
using static TorchSharp.torch;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Model;

/// <summary>
/// nanoVLM's <c>VisionLanguageModel</c>: <c>vision_encoder</c> (ViT) → <c>MP</c> (projector) → image embeddings
/// written over the <c>&lt;|image|&gt;</c> placeholder rows of the token embeddings → <c>decoder</c>.
/// </summary>
/// <remarks>
/// Unlike the reference's <c>forward</c> (which returns hidden states or logits depending on whether targets
/// were passed), hidden states, logits and loss are separate calls: training can take the loss from the labelled
/// positions only (<see cref="Loss"/>), without materialising [B, T, V] logits.
/// </remarks>
public sealed class VisionLanguageModel : nn.Module
{
    /// <summary>Label value that excludes a position from the loss (PyTorch's default ignore_index).</summary>
    public const long IgnoreIndex = -100;

    private readonly VisionTransformer vision_encoder;
    private readonly LanguageModel decoder;
    private readonly ModalityProjector MP;

    /// <summary>Builds a randomly initialised model (nanoVLM's init); throws if the config is invalid.</summary>
    public VisionLanguageModel(VlmConfig config) : base(nameof(VisionLanguageModel))
    {
        Config = config.EnsureValid();
        vision_encoder = new VisionTransformer(config);
        decoder = new LanguageModel(config);
        MP = new ModalityProjector(config);
        RegisterComponents();
    }

    public VlmConfig Config { get; }

    public VisionTransformer VisionEncoder => vision_encoder;

    public LanguageModel Decoder => decoder;

    public ModalityProjector Projector => MP;

    /// <summary>The device of the weights.</summary>
    public Device Device => decoder.TokenEmbeddingWeight.device;

    /// <summary>[N, 3, S, S] pixels → [N, mp_image_token_length, lm_hidden_dim] image embeddings.</summary>
    public Tensor EncodeImages(Tensor pixelValues) => MP.call(vision_encoder.call(pixelValues));

    /// <summary>
    /// Token embeddings [B, T, H] with the placeholder rows replaced by image embeddings: the k-th placeholder in
    /// row-major [B, T] order gets row k of the flattened [N·tokens, H] image embeddings, so the first image fills
    /// the first placeholder run.
    /// </summary>
    /// <param name="inputIds">[B, T] int64</param>
    /// <param name="pixelValues">[N, 3, S, S], or null / N = 0 for text-only input</param>
    /// <param name="imageTokenId">placeholder id; default <see cref="VlmConfig.ImageTokenId"/></param>
    public Tensor EmbedInputs(Tensor inputIds, Tensor? pixelValues, long? imageTokenId = null)
    {
        var embeddings = decoder.EmbedTokens(inputIds); // [B, T, H]
        using Scalar imageToken = imageTokenId ?? Config.ImageTokenId;
        var placeholders = inputIds.eq(imageToken); // [B, T]
        var placeholderCount = placeholders.sum().item<long>();
        var imageCount = pixelValues is null ? 0 : pixelValues.shape[0];
        var expected = imageCount * Config.MpImageTokenLength;
        if (placeholderCount != expected)
            throw new ArgumentException(
                $"The input holds {placeholderCount} image placeholder tokens (id {imageTokenId ?? Config.ImageTokenId}) but {imageCount} image(s) " +
                $"× {Config.MpImageTokenLength} tokens each = {expected} image embeddings.");
        if (imageCount == 0) return embeddings;

        var imageEmbeddings = EncodeImages(pixelValues!)                   // [N, tokens, H]
            .reshape(-1, Config.LmHiddenDim).to(embeddings.dtype);         // [N·tokens, H]
        return embeddings.masked_scatter(placeholders.unsqueeze(-1), imageEmbeddings); // [B, T, H]
    }

    /// <summary>Final-norm hidden states [B, T, H] for a full (uncached) forward at positions 0..T-1.</summary>
    /// <param name="attentionMask">[B, T] (1 = token, 0 = pad), or null for no padding</param>
    public Tensor Forward(Tensor inputIds, Tensor? pixelValues, Tensor? attentionMask, long? imageTokenId = null)
        => decoder.Forward(EmbedInputs(inputIds, pixelValues, imageTokenId), attentionMask);

    /// <summary>[..., H] hidden states → [..., V] logits.</summary>
    public Tensor Logits(Tensor hidden) => decoder.Head(hidden);

    /// <summary>
    /// Mean cross-entropy over positions whose label is not <see cref="IgnoreIndex"/> (labels are already shifted:
    /// the label at t is token t+1). Only the labelled rows go through the head, and logits and loss are float32.
    /// With no labelled position at all the loss is 0 (not the reference's NaN) and still part of the graph.
    /// </summary>
    /// <param name="hidden">[B, T, H]</param>
    /// <param name="labels">[B, T] int64</param>
    /// <returns>scalar float32</returns>
    public Tensor Loss(Tensor hidden, Tensor labels)
    {
        var flatHidden = hidden.reshape(-1, hidden.shape[^1]);          // [B·T, H]
        var flatLabels = labels.reshape(-1);                            // [B·T]
        using Scalar ignored = IgnoreIndex;
        var positions = flatLabels.ne(ignored).nonzero().squeeze(-1); // [L]
        if (positions.shape[0] == 0) return flatHidden.sum().mul(NativeScalars.Zero).to(ScalarType.Float32);
        var logits = Precision.ToFloat32(Logits(flatHidden.index_select(0, positions))); // [L, V]
        return nn.functional.cross_entropy(logits, flatLabels.index_select(0, positions));
    }
}
