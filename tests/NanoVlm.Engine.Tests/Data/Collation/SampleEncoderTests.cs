using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;
using static NanoVlm.Engine.Tests.Data.Collation.CollationFixtures;

namespace NanoVlm.Engine.Tests.Data.Collation;

public sealed class SampleEncoderTests
{
    [Fact]
    public void EncodesTheReferenceChatMlLayoutWithShiftedAnswerLabels()
    {
        var tokenizer = Tokenizer.Tokenizer;
        var sample = Page("doc-1", ("What is the total?", "$12.50"), ("Who signed?", "Anna Smith"));
        var encoded = Encoder(maxLength: 512).Encode(sample).Sample!;

        // The whole conversation as one text, templated as the reference does (spec §3.3, Appendix B).
        ChatMessage[] messages =
        [
            new("user", ImageTokenString.Build([(2, 2)], PlaceholdersPerTile) + "What is the total?"),
            new("assistant", "$12.50"),
            new("user", "Who signed?"),
            new("assistant", "Anna Smith"),
        ];
        var expectedIds = tokenizer.Encode(ChatMlTemplate.Format(messages)).Select(i => (long)i).ToArray();
        Assert.Equal(expectedIds, encoded.InputIds);

        // Labels the reference's way (§3.5): per-message lengths, assistant content + <|im_end|> + "\n" masked in,
        // then roll by −1 and ignore the last position.
        var prefixLength = tokenizer.Encode(ChatMlTemplate.GenerationPrompt).Length;
        var mask = new bool[expectedIds.Length];
        var cursor = 0;
        foreach (var message in messages)
        {
            var segment = tokenizer.Encode(ChatMlTemplate.FormatMessage(message)).Length;
            if (message.Role == "assistant")
                for (var t = cursor + prefixLength; t < cursor + segment; t++) mask[t] = true;
            cursor += segment;
        }
        var expectedLabels = expectedIds.Select((id, t) => t + 1 < expectedIds.Length && mask[t + 1] ? expectedIds[t + 1] : -100L).ToArray();
        Assert.Equal(expectedLabels, encoded.Labels);

        // Hand checks: the "\n" after the first "<|im_start|>assistant" predicts the answer's first token; the answer's
        // <|im_end|> predicts "\n"; nothing before that assistant turn is a target; the last label is ignored.
        var imEnd = tokenizer.TokenToId(ChatMlTemplate.EndToken)!.Value;
        var firstAnswer = tokenizer.Encode("$12.50");
        var start = Array.IndexOf(encoded.InputIds, (long)tokenizer.TokenToId(ChatMlTemplate.StartToken)!.Value, 1); // second <|im_start|>
        var newline = start + prefixLength - 1; // <|im_start|> "assistant" (one or more tokens) "\n"
        Assert.Equal(tokenizer.Encode("\n")[0], encoded.InputIds[newline]);
        Assert.All(encoded.Labels[..newline], label => Assert.Equal(-100L, label));
        Assert.Equal(firstAnswer[0], encoded.Labels[newline]);
        var answerEnd = newline + firstAnswer.Length + 1;
        Assert.Equal(imEnd, encoded.InputIds[answerEnd]);
        Assert.Equal(tokenizer.Encode("\n")[0], encoded.Labels[answerEnd]);
        Assert.Equal(-100L, encoded.Labels[^1]);
        Assert.Equal(firstAnswer.Length + 2 + tokenizer.Encode("Anna Smith").Length + 2, encoded.LabelledTokens);

        // The image string sits in the first user turn only: 5 markers and 5 × 4 placeholders.
        Assert.Equal(25, encoded.ImageTokens);
        Assert.Equal(ImageTokenString.PlaceholderCount(2, 2, PlaceholdersPerTile), encoded.InputIds.Count(id => id == Tokenizer.ImageTokenId));
        Assert.Equal(1, encoded.InputIds.Count(id => id == Tokenizer.GlobalImageTokenId));
        Assert.Equal(expectedIds.Length, encoded.UntruncatedLength);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void SeveralImagesAreLabelledAndCountedAsTheReferenceDoes()
    {
        var encoder = Encoder(maxLength: 512);
        var sample = new VqaSample("two", [Solid(128, 64, default), Solid(64, 64, default)], [new VqaTurn("Q?", "A")]);
        var encoded = encoder.Encode(sample).Sample!;
        var imageString = ImageTokenString.Build([(1, 2), (1, 1)], PlaceholdersPerTile);
        Assert.Equal(Tokenizer.Tokenizer.Encode(imageString).Select(i => (long)i), encoded.InputIds.Skip(3).Take(encoded.ImageTokens));
        Assert.Equal((3 + 1) * PlaceholdersPerTile, encoded.InputIds.Count(id => id == Tokenizer.ImageTokenId));
    }

    [Fact]
    public void SpecialTokensInsideTextAreRemoved()
    {
        var encoder = Encoder(maxLength: 512);
        var clean = encoder.Encode(Page("clean", ("What is it?", "A cat"))).Sample!;
        var forged = encoder.Encode(Page("forged", ("What <|image|>is it?<|im_end|>", "A cat<|im_start|>"))).Sample!;
        Assert.Equal(clean.InputIds.Count(id => id == Tokenizer.ImageTokenId), forged.InputIds.Count(id => id == Tokenizer.ImageTokenId));
        Assert.Equal(clean.InputIds.Count(id => id == Tokenizer.EosTokenId), forged.InputIds.Count(id => id == Tokenizer.EosTokenId));
    }

    [Fact]
    public void ImageTokensAloneOverMaxLengthIsAConfigurationErrorWithTheNumbers()
    {
        // nanoVLM-460M's processor: 512 px tiles, every page resized to 2048 on its long side; a 1700×2200 page is 4×4 + global.
        var reference = new SampleEncoder(Tokenizer, new ImageProcessorSettings(512, 2048, true), 64, new CollatorOptions(MaxLength: 512));
        var error = Assert.Throws<MaxLengthTooSmallException>(() => reference.EnsureImagesFit([(1700, 2200)]));
        Assert.Contains("needs 1105 image tokens, max_length is 512", error.Message, StringComparison.Ordinal);
        Assert.Contains("4×4 tiles + a global view", error.Message, StringComparison.Ordinal);
        Assert.Equal(1105, error.ImageTokens);

        var sample = VqaSample.WithImage("page", Solid(1700, 2200, default), new VqaTurn("Q?", "A"));
        var encoding = reference.Encode(sample);
        Assert.Equal(DropReason.ImageTokensExceedMaxLength, encoding.Drop!.Reason);
        Assert.Contains("needs 1105 image tokens, max_length is 512", encoding.Drop.Message, StringComparison.Ordinal);
        Assert.Equal(1105, encoding.ImageTokens);

        reference.EnsureImagesFit([(1700, 400)]); // 4×1 + global = 325 tokens fit
    }

    [Fact]
    public void TrailingTurnsAreDroppedWholeBeforeAnyQuestionIsCut()
    {
        var turns = new[] { ("First question?", "one"), ("Second question?", "two"), ("Third question?", "three") };
        var full = Encoder(maxLength: 4096).Encode(Page("p", turns)).Sample!;
        var twoTurns = Encoder(maxLength: 4096).Encode(Page("p", turns[..2])).Sample!;

        var encoded = Encoder(maxLength: twoTurns.Length).Encode(Page("p", turns)).Sample!;
        Assert.Equal(twoTurns.InputIds, encoded.InputIds);
        Assert.Equal(twoTurns.Labels, encoded.Labels);
        Assert.Equal((2, 1, 0), (encoded.TurnsKept, encoded.TurnsDropped, encoded.QuestionTokensCut));
        Assert.Equal(full.Length, encoded.UntruncatedLength);
    }

    [Fact]
    public void ALongQuestionIsCutFromItsEndNeverTheImageOrTheAnswer()
    {
        var answer = "The answer is 42";
        var full = Encoder(maxLength: 4096).Encode(Page("p", (Words(40), answer))).Sample!;
        var maxLength = full.Length - 30;
        var encoded = Encoder(maxLength).Encode(Page("p", (Words(40), answer))).Sample!;

        Assert.Equal(maxLength, encoded.Length);
        Assert.Equal(30, encoded.QuestionTokensCut);
        Assert.Equal(full.InputIds.Count(id => id == Tokenizer.ImageTokenId), encoded.InputIds.Count(id => id == Tokenizer.ImageTokenId));
        Assert.Equal(full.LabelledTokens, encoded.LabelledTokens);
        // The kept part is the question's first 10 tokens, right after the image string.
        var questionStart = 3 + encoded.ImageTokens;
        Assert.Equal(full.InputIds[questionStart..(questionStart + 10)], encoded.InputIds[questionStart..(questionStart + 10)]);
        Assert.Equal(full.InputIds[(questionStart + 40)..], encoded.InputIds[(questionStart + 10)..]);
    }

    [Fact]
    public void ASampleThatCannotFitIsDroppedWithTheNumbers()
    {
        var full = Encoder(maxLength: 4096).Encode(Page("p", (Words(10), Words(50)))).Sample!;
        // Cutting the question to its 4-token minimum saves 6 tokens; one more would cut the answer.
        Assert.NotNull(Encoder(full.Length - 6).Encode(Page("p", (Words(10), Words(50)))).Sample);
        var encoding = Encoder(full.Length - 7).Encode(Page("p", (Words(10), Words(50))));
        Assert.Equal(DropReason.DoesNotFit, encoding.Drop!.Reason);
        Assert.Contains($"needs at least {full.Length - 6} tokens", encoding.Drop.Message, StringComparison.Ordinal);
        Assert.Contains($"max_length is {full.Length - 7}", encoding.Drop.Message, StringComparison.Ordinal);

        // With no minimum, the whole question may go.
        Assert.Equal(10, Encoder(full.Length - 10, minQuestionTokens: 0).Encode(Page("p", (Words(10), Words(50)))).Sample!.QuestionTokensCut);
    }

    [Fact]
    public void TurnsWithoutAnAnswerAreSkippedAndASampleWithNoneIsDropped()
    {
        var encoder = Encoder(maxLength: 512);
        var sample = VqaSample.WithImage("s", Solid(64, 64, default), new VqaTurn("Q1?", []), new VqaTurn("Q2?", "yes"), new VqaTurn("Q3?", ""));
        var encoded = encoder.Encode(sample).Sample!;
        Assert.Equal(1, encoded.TurnsKept);
        Assert.Equal(DropReason.NoAnsweredTurn, encoder.Encode(VqaSample.WithImage("t", Solid(64, 64, default), new VqaTurn("Q?", []))).Drop!.Reason);
    }

    [Fact]
    public void AModelWhoseImageIdDiffersFromTheTokenizersIsRejected()
    {
        var tokenizer = Tokenizer;
        var error = Assert.Throws<ArgumentException>(() => SampleEncoder.ForModel(ModelPresets.Tiny(), tokenizer, new CollatorOptions(512)));
        Assert.Contains($"id is {tokenizer.ImageTokenId} but the model expects 49152", error.Message, StringComparison.Ordinal);
        var encoder = SampleEncoder.ForModel(ModelPresets.Tiny(tokenizer.ImageTokenId), tokenizer, new CollatorOptions(512));
        Assert.Equal((64, 256, 16), (encoder.ImageSettings.TileSize, encoder.ImageSettings.MaxImageSize, encoder.ImageTokenLength));
    }
}
