using NanoVlm.Engine.Data;
using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Evaluation;

/// <summary>What <see cref="DocVqaEvaluationItems.Read"/> yields: a question to answer, or a row that cannot be scored.</summary>
public abstract record EvaluationItem(long Row);

/// <summary>
/// One question to answer and score: the page, the question, the answers accepted for it and its DocVQA question types.
/// The image belongs to the enumeration that yields it: it stays valid until the enumerator moves on (past the
/// sample's last turn) or is disposed, so use it before moving on.
/// </summary>
/// <param name="SampleId">the data set's question or sample id</param>
public sealed record EvaluationQuestion(long Row, string SampleId, string Question, IReadOnlyList<string> Answers,
    IReadOnlyList<string> QuestionTypes, Image<Rgb24> Image) : EvaluationItem(Row);

/// <summary>Why a row cannot be scored.</summary>
public enum EvaluationSkipKind
{
    /// <summary>The reader could not use the row (malformed, image missing).</summary>
    UnreadableRow,

    /// <summary>No ground-truth answers (a test split), or not exactly one image.</summary>
    NotScorable,

    /// <summary>A scorable sample whose image could not be decoded: <see cref="DocVqaEvaluationItems.CountQuestions"/> counted its questions.</summary>
    ImageFailed,
}

/// <summary>A row that cannot be scored, why, and how many questions it held (0 when the row could not be read at all).</summary>
public sealed record EvaluationSkip(long Row, string Reason, int Questions, EvaluationSkipKind Kind) : EvaluationItem(Row);

/// <summary>
/// The questions of a DocVQA source in the order an evaluation answers them: every turn of every answered sample with
/// one image, each turn on its own. Unanswered samples (test splits), samples with several images and images that
/// cannot be decoded are yielded as <see cref="EvaluationSkip"/>s, never fatal. Shared by
/// the playground's batch evaluation and the <c>eval</c> verb, both through <see cref="DocVqaEvaluator"/>.
/// </summary>
public static class DocVqaEvaluationItems
{
    public static IEnumerable<EvaluationItem> Read(IDocVqaReader reader, SafeImageDecoder decoder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(decoder);
        return ReadIterator(reader, decoder, cancellationToken);
    }

    /// <summary>How many questions <see cref="Read"/> would yield, without decoding any image (image failures are not foreseen).</summary>
    public static int CountQuestions(IDocVqaReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var count = 0;
        foreach (var row in reader.Read(cancellationToken))
        {
            if (row is SampleRow { Sample: { IsAnswered: true, Images.Count: 1 } sample })
            {
                count += sample.Turns.Count;
            }
        }
        return count;
    }

    private static IEnumerable<EvaluationItem> ReadIterator(IDocVqaReader reader, SafeImageDecoder decoder, CancellationToken cancellationToken)
    {
        foreach (var row in reader.Read(cancellationToken))
        {
            if (row is SkippedRow bad)
            {
                yield return new EvaluationSkip(bad.Row, bad.Reason, 0, EvaluationSkipKind.UnreadableRow);
                continue;
            }
            var sample = ((SampleRow)row).Sample;
            if (!sample.IsAnswered || sample.Images.Count != 1)
            {
                yield return new EvaluationSkip(row.Row, sample.Images.Count != 1 ? $"{sample.Images.Count} images (one expected)" : "no ground-truth answers",
                    sample.Turns.Count, EvaluationSkipKind.NotScorable);
                continue;
            }
            var (image, failure) = TryDecode(sample.Images[0], decoder);
            if (image is null)
            {
                yield return new EvaluationSkip(row.Row, failure!, sample.Turns.Count, EvaluationSkipKind.ImageFailed);
                continue;
            }
            using (image)
            {
                foreach (var turn in sample.Turns)
                {
                    yield return new EvaluationQuestion(row.Row, sample.Id, turn.Question, turn.Answers, sample.QuestionTypes, image);
                }
            }
        }
    }

    // A helper because an iterator cannot yield from inside a try with a catch.
    private static (Image<Rgb24>? Image, string? Failure) TryDecode(ImageSource source, SafeImageDecoder decoder)
    {
        try
        {
            return (decoder.Decode(source.ReadBytes()), null);
        }
        catch (Exception e) when (e is ImageRejectedException or ImageUnavailableException)
        {
            return (null, e.Message);
        }
    }
}
