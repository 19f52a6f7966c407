using NanoVlm.Engine.Data;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Evaluation;

/// <summary>One evaluated question.</summary>
public sealed record EvaluatedQuestion(string SampleId, string Question, string Prediction, IReadOnlyList<string> Answers,
    IReadOnlyList<string> QuestionTypes, double Anls);

/// <summary>Where an evaluation stands, for progress lines and bars.</summary>
public sealed record EvaluationProgress(int Questions, int Skipped, double RunningAnls);

/// <summary>The outcome: ANLS overall and per question type, every question, and what could not be evaluated.</summary>
/// <param name="Stopped">cancelled before the end: the figures cover the questions answered until then</param>
public sealed record EvaluationResult(double Anls, IReadOnlyList<AnlsGroup> ByQuestionType, IReadOnlyList<EvaluatedQuestion> Questions,
    IReadOnlyList<(long Row, string Reason)> Skipped, bool Stopped);

/// <summary>Answers one question about one page; the evaluator calls it once per question, in order.</summary>
public delegate ValueTask<AskResult> QuestionAnswerer(EvaluationQuestion question, CancellationToken cancellationToken);

/// <summary>
/// The one ANLS evaluation of the product: greedy answers to questions about pages, each scored with <see cref="Anls"/>
/// into an <see cref="AnlsReport"/> (overall and per DocVQA question type). The <c>eval</c> verb, the playground's
/// batch evaluation and the validation ANLS during training all run this loop; they differ only in where the
/// questions come from and on which thread the model answers.
/// </summary>
/// <remarks>
/// Unanswered questions (test splits) and unusable images arrive as <see cref="EvaluationSkip"/>s and are listed, never
/// fatal. Cancelling ends the evaluation with what was answered so far (<see cref="EvaluationResult.Stopped"/>).
/// </remarks>
public static class DocVqaEvaluator
{
    /// <summary>Greedy answers of at most <paramref name="maxNewTokens"/> tokens, as DocVQA evaluation decodes.</summary>
    public static AskOptions AnswerOptions(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens, Greedy = true };

    /// <summary>
    /// Answers <paramref name="items"/> (at most <paramref name="limit"/> questions) with <paramref name="answer"/>, scores
    /// each answer and tells <paramref name="observer"/> as it goes.
    /// </summary>
    public static async Task<EvaluationResult> RunAsync(IEnumerable<EvaluationItem> items, QuestionAnswerer answer, int? limit = null,
        IEvaluationObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(answer);
        var report = new AnlsReport();
        var questions = new List<EvaluatedQuestion>();
        var skipped = new List<(long, string)>();
        var stopped = false;
        try
        {
            foreach (var item in items)
            {
                if (limit is { } max && questions.Count >= max)
                {
                    break;
                }
                if (item is EvaluationSkip skip)
                {
                    skipped.Add((skip.Row, skip.Reason));
                    observer?.Skipped(skip);
                    continue;
                }
                var question = (EvaluationQuestion)item;
                var result = await answer(question, cancellationToken);
                if (result.Stopped)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                var score = report.Add(result.Answer, question.Answers, question.QuestionTypes);
                questions.Add(new EvaluatedQuestion(question.SampleId, question.Question, result.Answer, question.Answers, question.QuestionTypes, score));
                observer?.Answered(question, result, score, report);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopped = true;
        }
        return new EvaluationResult(report.Overall, report.ByQuestionType(), questions, skipped, stopped);
    }

    /// <summary>
    /// Evaluates <paramref name="model"/> on the calling thread (TorchSharp's scopes are per thread, so the model answers
    /// where its caller runs: the <c>eval</c> verb's thread, the training thread).
    /// </summary>
    public static EvaluationResult Run(LoadedVlm model, IEnumerable<EvaluationItem> items, int? limit = null, int maxNewTokens = 32,
        IEvaluationObserver? observer = null, CancellationToken cancellationToken = default)
    {
        var answerer = new VqaAnswerer(model, new SafeImageDecoder(ImageLimits.Default));
        var options = AnswerOptions(maxNewTokens);
        var evaluation = RunAsync(items, (question, cancellation) =>
            ValueTask.FromResult(answerer.Ask(question.Image, question.Question, options, cancellationToken: cancellation)), limit, observer, cancellationToken);
        // Every answer completes synchronously, so the loop above has already run to its end on this thread.
        return evaluation.IsCompleted
            ? evaluation.GetAwaiter().GetResult()
            : throw new InvalidOperationException("A synchronous evaluation left the calling thread.");
    }

    /// <summary>Every answered question of a DocVQA source (see <see cref="DocVqaEvaluationItems"/>), on the calling thread.</summary>
    public static EvaluationResult Run(LoadedVlm model, IDocVqaReader reader, SafeImageDecoder decoder, int? limit = null, int maxNewTokens = 32,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(model, DocVqaEvaluationItems.Read(reader, decoder, cancellationToken), limit, maxNewTokens,
            progress is null ? null : new ProgressObserver(progress), cancellationToken);

    /// <summary>Turns question-by-question updates into <see cref="EvaluationProgress"/> reports.</summary>
    private sealed class ProgressObserver(IProgress<EvaluationProgress> progress) : IEvaluationObserver
    {
        private int _skipped;

        public void Skipped(EvaluationSkip skip) => _skipped++;

        public void Answered(EvaluationQuestion question, AskResult answer, double score, AnlsReport report) =>
            progress.Report(new EvaluationProgress(report.Questions, _skipped, report.Overall));
    }
}
