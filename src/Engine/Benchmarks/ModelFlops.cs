using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>
/// Model FLOPs of one training step: forward plus backward cost 6 floating-point operations per weight of a matrix
/// product and per token that goes through it (2 forward, 4 backward). Counted per part, where the tokens differ:
/// the decoder's blocks see every non-padding token (image placeholders included), the tied head only the labelled
/// positions (the loss computes logits there alone), the vision tower every patch of every image view, the projector
/// every image token. The embedding lookup and attention's score products are not counted (the usual convention).
/// </summary>
public static class ModelFlops
{
    public static double TrainingStep(VlmConfig config, long tokens, long labelledTokens, long imageViews)
    {
        ArgumentNullException.ThrowIfNull(config);
        var parameters = ParameterCount.Of(config);
        var headWeights = (long)config.LmVocabSize * config.LmHiddenDim;
        var decoderBlocks = parameters.Decoder - headWeights - (config.LmTieWeights ? 0 : headWeights); // without embedding and head
        var patches = config.VitNumPatches + (config.VitClsFlag ? 1 : 0);
        return 6.0 * ((double)decoderBlocks * tokens
                      + (double)headWeights * labelledTokens
                      + (double)parameters.VisionEncoder * patches * imageViews
                      + (double)parameters.ModalityProjector * config.MpImageTokenLength * imageViews);
    }
}
