using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

public sealed class ChatMlTemplateTests
{
    private static readonly ChatMessage[] Conversation =
    [
        new("user", "<|global_image|><|image|>What is the total?"),
        new("assistant", "$1,234.56"),
        new("user", "And the date?"),
        new("assistant", "03/15/2021"),
    ];

    [Fact]
    public void FormatsMessagesAsNanoVlmDoes()
    {
        Assert.Equal(
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n",
            ChatMlTemplate.Format([new("user", "hi"), new("assistant", "hello")]));
        Assert.Equal(
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            ChatMlTemplate.Format([new("user", "hi")], addGenerationPrompt: true));
        Assert.Equal("", ChatMlTemplate.Format([]));
    }

    [Fact]
    public void PerMessageEncodingsConcatenateToTheWholeConversation()
    {
        // nanoVLM's loss mask relies on this (spec §3.5): the special tokens are boundaries.
        HfTokenizer tok = NanoVlmTokenizer.Create(TokenizerFixtures.Tokenizer(TokenizerFixtures.SmolLm2Shaped)).Tokenizer;
        int[] whole = tok.Encode(ChatMlTemplate.Format(Conversation));
        int[] pieces = Conversation.SelectMany(m => tok.Encode(ChatMlTemplate.FormatMessage(m))).ToArray();
        Assert.Equal(whole, pieces);
    }

    [Fact]
    public void GenerationPromptIsTheStartTokenThenTheRoleLine()
    {
        HfTokenizer tok = TokenizerFixtures.Tokenizer(TokenizerFixtures.SmolLm2Shaped);
        int[] ids = tok.Encode(ChatMlTemplate.GenerationPrompt);
        int[] expected = [tok.TokenToId(ChatMlTemplate.StartToken)!.Value, .. tok.Encode("assistant"), .. tok.Encode("\n")];
        Assert.Equal(expected, ids);
        Assert.Equal(ChatMlTemplate.GenerationPrompt, tok.Decode(ids));
    }
}
