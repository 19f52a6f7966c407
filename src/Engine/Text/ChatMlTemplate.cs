using System.Text;

namespace NanoVlm.Engine.Text;

/// <summary>One turn of a conversation.</summary>
/// <param name="Role">"user", "assistant" (or "system").</param>
/// <param name="Content">The text, with any image string already prepended.</param>
public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// nanoVLM's chat template (spec §3.3): each message is <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>;
/// the generation prompt is <c>&lt;|im_start|&gt;assistant\n</c>. No system message and no BOS are added.
/// </summary>
public static class ChatMlTemplate
{
    public const string StartToken = "<|im_start|>";
    public const string EndToken = "<|im_end|>";

    /// <summary>What ends a prompt so that the model answers: <c>&lt;|im_start|&gt;assistant\n</c>.</summary>
    public const string GenerationPrompt = StartToken + "assistant\n";

    /// <summary>The template text of one message.</summary>
    public static string FormatMessage(ChatMessage message) =>
        StartToken + message.Role + "\n" + message.Content + EndToken + "\n";

    /// <summary>The template text of a conversation, optionally followed by <see cref="GenerationPrompt"/>.</summary>
    public static string Format(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var text = new StringBuilder();
        foreach (ChatMessage message in messages)
        {
            text.Append(FormatMessage(message));
        }
        if (addGenerationPrompt)
        {
            text.Append(GenerationPrompt);
        }
        return text.ToString();
    }
}
