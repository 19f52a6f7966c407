using System.Globalization;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// Turns a <see cref="VqaSample"/> into token ids and shifted labels the way nanoVLM does (spec §3.3, §3.5), and
/// enforces max_length without ever cutting image tokens or an answer.
/// </summary>
/// <remarks>
/// <para>Layout: per turn <c>&lt;|im_start|&gt;user\n{Q}&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n{A}&lt;|im_end|&gt;\n</c>,
/// with the image string (global view + tiles, §3.2) prepended to the first question. No system message, no BOS.
/// The parts are encoded separately and concatenated; that equals encoding the whole text because every part
/// boundary is a special token.</para>
/// <para>Labels: only the answer, its <c>&lt;|im_end|&gt;</c> and the newline after it are targets; labels are
/// shifted left by one (label t = id t+1), so the newline after "assistant" predicts the first answer token.</para>
/// <para>max_length, in this order: (1) a sample whose image string alone is longer is dropped
/// (<see cref="DropReason.ImageTokensExceedMaxLength"/>; <see cref="EnsureImagesFit"/> reports the same
/// condition as an error at configuration time); (2) trailing turns are dropped whole until the rest fits or one
/// turn is left, so every kept answer keeps its full question; (3) the first question is cut from its end, keeping
/// at least <see cref="CollatorOptions.MinQuestionTokens"/> tokens; (4) otherwise the sample is dropped
/// (<see cref="DropReason.DoesNotFit"/>). The reference drops over-long samples instead (§6.4).</para>
/// <para>Special tokens inside questions or answers (a literal <c>&lt;|image|&gt;</c>, <c>&lt;|im_end|&gt;</c>, ...) are
/// removed, as the reference strips <c>&lt;|image|&gt;</c>: they would desynchronise placeholders and images or
/// forge turn boundaries.</para>
/// </remarks>
public sealed class SampleEncoder
{
    private readonly NanoVlmImageProcessor _processor;
    private readonly int[] _userPrefix;
    private readonly int[] _assistantPrefix;
    private readonly int[] _turnEnd;

    public SampleEncoder(NanoVlmTokenizer tokenizer, ImageProcessorSettings imageSettings, int imageTokenLength, CollatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(imageSettings);
        ArgumentNullException.ThrowIfNull(options);
        imageSettings.Validate();
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(imageTokenLength, 1);
        var maxGridSide = (imageSettings.MaxImageSize + imageSettings.TileSize - 1) / imageSettings.TileSize;
        if (maxGridSide > NanoVlmTokenizer.MaxGridSide)
        {
            throw new ArgumentException(
                $"max_img_size {imageSettings.MaxImageSize} with {imageSettings.TileSize} px tiles allows a {maxGridSide}×{maxGridSide} grid, " +
                $"but there are tile tokens only up to {NanoVlmTokenizer.MaxGridSide}×{NanoVlmTokenizer.MaxGridSide}.");
        }
        Tokenizer = tokenizer;
        ImageSettings = imageSettings;
        ImageTokenLength = imageTokenLength;
        Options = options;
        _processor = new NanoVlmImageProcessor(imageSettings);
        _userPrefix = tokenizer.Tokenizer.Encode(ChatMlTemplate.StartToken + "user\n");
        _assistantPrefix = tokenizer.Tokenizer.Encode(ChatMlTemplate.GenerationPrompt);
        _turnEnd = tokenizer.Tokenizer.Encode(ChatMlTemplate.EndToken + "\n");
    }

    /// <summary>
    /// The encoder for a model: tiles of <c>vit_img_size</c>, <c>max_img_size</c>, <c>mp_image_token_length</c>
    /// placeholders per tile. Fails when the tokenizer's <c>&lt;|image|&gt;</c> id is not the model's or the
    /// tokenizer can produce ids the model cannot embed.
    /// </summary>
    public static SampleEncoder ForModel(VlmConfig config, NanoVlmTokenizer tokenizer, CollatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.ImageTokenId != config.ImageTokenId)
        {
            throw new ArgumentException(
                $"The tokenizer's {NanoVlmTokenizer.ImageToken} id is {tokenizer.ImageTokenId} but the model expects {config.ImageTokenId} " +
                $"(lm_base_vocab_size {config.LmBaseVocabSize}); build the model config with the tokenizer's base vocabulary size.");
        }
        if (tokenizer.Tokenizer.IdLimit > config.LmVocabSize)
        {
            throw new ArgumentException(
                $"The tokenizer produces ids up to {tokenizer.Tokenizer.IdLimit - 1} but the model embeds only {config.LmVocabSize} ids.");
        }
        return new SampleEncoder(tokenizer, ImageSettingsOf(config), config.MpImageTokenLength, options);
    }

    /// <summary>The image processor settings a model config implies.</summary>
    public static ImageProcessorSettings ImageSettingsOf(VlmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ImageProcessorSettings(config.VitImgSize, config.MaxImgSize, config.ResizeToMaxSideLen);
    }

    public NanoVlmTokenizer Tokenizer { get; }

    public ImageProcessorSettings ImageSettings { get; }

    /// <summary>Placeholders per tile (<c>mp_image_token_length</c>).</summary>
    public int ImageTokenLength { get; }

    public CollatorOptions Options { get; }

    public int MaxLength => Options.MaxLength;

    /// <summary>The tile grid an image of this size is cut into.</summary>
    public (int Rows, int Columns) GridFor(int width, int height) => _processor.GridFor(height, width);

    /// <summary>The ids of the image string for these grids: what <see cref="ImageTokenString.Build"/> encodes to.</summary>
    public int[] ImageStringIds(IReadOnlyList<(int Rows, int Columns)> grids)
    {
        ArgumentNullException.ThrowIfNull(grids);
        var ids = new List<int>();
        for (var k = 0; k < grids.Count; k++)
        {
            if (grids.Count > 1)
            {
                // "<image: k>" is plain text in the reference, not a special token.
                ids.AddRange(Tokenizer.Tokenizer.Encode(string.Create(CultureInfo.InvariantCulture, $"<image: {k}>")));
            }
            ids.Add(Tokenizer.GlobalImageTokenId);
            ids.AddRange(Enumerable.Repeat(Tokenizer.ImageTokenId, ImageTokenLength));
            var (rows, columns) = grids[k];
            if (rows == 1 && columns == 1) continue; // the single tile is the global view
            for (var r = 1; r <= rows; r++)
            {
                for (var c = 1; c <= columns; c++)
                {
                    ids.Add(Tokenizer.TileTokenId(r, c));
                    ids.AddRange(Enumerable.Repeat(Tokenizer.ImageTokenId, ImageTokenLength));
                }
            }
        }
        return ids.ToArray();
    }

    /// <summary>Tokens the image string of images with these sizes takes (markers plus placeholders).</summary>
    public int ImageTokenCount(IReadOnlyList<(int Width, int Height)> imageSizes)
    {
        ArgumentNullException.ThrowIfNull(imageSizes);
        return ImageStringIds(imageSizes.Select(s => GridFor(s.Width, s.Height)).ToArray()).Length;
    }

    /// <summary>
    /// The configuration-time check: throws <see cref="MaxLengthTooSmallException"/> with the numbers when a sample
    /// with these images could never fit max_length, whatever its text.
    /// </summary>
    public void EnsureImagesFit(IReadOnlyList<(int Width, int Height)> imageSizes)
    {
        ArgumentNullException.ThrowIfNull(imageSizes);
        var tokens = ImageTokenCount(imageSizes);
        if (tokens > MaxLength) throw new MaxLengthTooSmallException(tokens, MaxLength, ExplainImageTokens(imageSizes, tokens));
    }

    /// <summary>Encodes one sample, or says why it cannot be used.</summary>
    public SampleEncoding Encode(VqaSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var sizes = sample.Images.Select(i => (i.Width, i.Height)).ToArray();
        var grids = sizes.Select(s => GridFor(s.Width, s.Height)).ToArray();
        var imageIds = ImageStringIds(grids);

        var turns = new List<(int[] Question, int[] Answer)>();
        foreach (var turn in sample.Turns)
        {
            var answer = turn.Target is { } target ? EncodeText(target) : [];
            if (answer.Length == 0) continue; // nothing to learn from this turn
            turns.Add((EncodeText(turn.Question), answer));
        }
        int Cost(int i) => _userPrefix.Length + turns[i].Question.Length + 2 * _turnEnd.Length + _assistantPrefix.Length + turns[i].Answer.Length;

        var total = imageIds.Length + Enumerable.Range(0, turns.Count).Sum(Cost);
        var untruncated = total;
        SampleEncoding Dropped(DropReason reason, string message) =>
            new(null, new SampleDrop(sample.Id, reason, message), untruncated, imageIds.Length);

        if (turns.Count == 0) return Dropped(DropReason.NoAnsweredTurn, $"Sample '{sample.Id}' has no question with a non-empty answer.");
        if (imageIds.Length > MaxLength)
        {
            return Dropped(DropReason.ImageTokensExceedMaxLength,
                $"Sample '{sample.Id}' needs {imageIds.Length} image tokens, max_length is {MaxLength}. {ExplainImageTokens(sizes, imageIds.Length)}");
        }

        var kept = turns.Count;
        while (total > MaxLength && kept > 1)
        {
            total -= Cost(--kept);
        }
        var cut = 0;
        if (total > MaxLength)
        {
            var question = turns[0].Question.Length;
            var cuttable = question - Math.Min(Options.MinQuestionTokens, question);
            cut = total - MaxLength;
            if (cut > cuttable)
            {
                return Dropped(DropReason.DoesNotFit,
                    $"Sample '{sample.Id}' needs at least {total - cuttable} tokens ({imageIds.Length} image tokens, a {turns[0].Answer.Length}-token answer, " +
                    $"{question - cuttable} question tokens and the chat template), max_length is {MaxLength}.");
            }
        }

        var ids = new List<int>(total);
        var targets = new List<bool>(total);
        void Append(ReadOnlySpan<int> part, bool target)
        {
            foreach (var id in part)
            {
                ids.Add(id);
                targets.Add(target);
            }
        }
        for (var i = 0; i < kept; i++)
        {
            Append(_userPrefix, false);
            if (i == 0)
            {
                Append(imageIds, false);
                Append(turns[0].Question.AsSpan(0, turns[0].Question.Length - cut), false);
            }
            else
            {
                Append(turns[i].Question, false);
            }
            Append(_turnEnd, false);
            Append(_assistantPrefix, false);
            Append(turns[i].Answer, true);
            Append(_turnEnd, true);
        }

        var inputIds = ids.Select(id => (long)id).ToArray();
        var labels = new long[inputIds.Length];
        for (var t = 0; t < labels.Length; t++)
        {
            labels[t] = t + 1 < labels.Length && targets[t + 1] ? inputIds[t + 1] : EncodedSample.IgnoreIndex;
        }
        var encoded = new EncodedSample(sample.Id, inputIds, labels, sample.Images, grids, imageIds.Length, kept, turns.Count - kept, cut, untruncated);
        return new SampleEncoding(encoded, null, untruncated, imageIds.Length);
    }

    /// <summary>Text ids with any special token removed (see remarks).</summary>
    private int[] EncodeText(string text)
    {
        var ids = Tokenizer.Tokenizer.Encode(text);
        return Array.Exists(ids, Tokenizer.Tokenizer.IsSpecial) ? Array.FindAll(ids, id => !Tokenizer.Tokenizer.IsSpecial(id)) : ids;
    }

    private string ExplainImageTokens(IReadOnlyList<(int Width, int Height)> sizes, int tokens)
    {
        var parts = sizes.Select(s =>
        {
            var (rows, columns) = GridFor(s.Width, s.Height);
            var tiles = rows * columns > 1 ? rows * columns + 1 : 1;
            return string.Create(CultureInfo.InvariantCulture,
                $"a {s.Width}×{s.Height} image becomes {rows}×{columns} tiles{(tiles > 1 ? " + a global view" : "")} = {tiles} × {ImageTokenLength} placeholders + {tiles} markers");
        });
        return string.Create(CultureInfo.InvariantCulture,
            $"({string.Join("; ", parts)}, with {ImageSettings.TileSize} px tiles and max_img_size {ImageSettings.MaxImageSize}.) " +
            $"Raise max_length above {tokens} or lower max_img_size.");
    }
}
