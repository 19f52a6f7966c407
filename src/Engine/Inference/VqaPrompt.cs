using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Inference;

/// <summary>
/// The inference prompt of the reference (spec §3.3): one user turn holding the image string and the question,
/// then the assistant generation prompt.
/// </summary>
public static class VqaPrompt
{
    public static int[] Build(NanoVlmTokenizer tokenizer, IReadOnlyList<(int Rows, int Columns)> grids, int imageTokenLength, string question)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        // A literal placeholder in user text would steal an image embedding: strip it, as the reference does.
        var cleanQuestion = question.Replace(ImageTokenString.ImageToken, "", StringComparison.Ordinal);
        var content = ImageTokenString.Build(grids, imageTokenLength) + cleanQuestion;
        var text = ChatMlTemplate.Format([new ChatMessage("user", content)], addGenerationPrompt: true);
        return tokenizer.Tokenizer.Encode(text);
    }
}
