using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Inference;

/// <summary>A model ready to answer: weights, the tokenizer whose ids it was trained with, and its image processor.</summary>
public sealed class LoadedVlm(VisionLanguageModel model, NanoVlmTokenizer tokenizer, string source, IReadOnlyList<string> warnings) : IDisposable
{
    public VisionLanguageModel Model { get; } = model;

    public NanoVlmTokenizer Tokenizer { get; } = tokenizer;

    public VlmConfig Config => Model.Config;

    public NanoVlmImageProcessor ImageProcessor { get; } = new(new ImageProcessorSettings(
        model.Config.VitImgSize, model.Config.MaxImgSize, model.Config.ResizeToMaxSideLen));

    /// <summary>Where the weights came from, for people: "checkpoint /path" or "preset tiny (random weights)".</summary>
    public string Source { get; } = source;

    public IReadOnlyList<string> Warnings { get; } = warnings;

    public void Dispose() => Model.Dispose();
}
