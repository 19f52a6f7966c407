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
public sealed record EvaluationResult(double Anls, IReadOnlyList<AnlsGroup> ByQuestionType, IReadOnlyList<EvaluatedQuestion> Questions,
    IReadOnlyList<(long Row, string Reason)> Skipped, bool Stopped);

/// <summary>
/// DocVQA evaluation: greedy answers to every answered question of a data source (each turn on its own, as a single
/// user turn, in <see cref="DocVqaEvaluationItems"/>' order), scored with <see cref="Anls"/>. Unanswered questions
/// (test split) and unusable images are skipped and listed, never fatal.
/// </summary>
public static class DocVqaEvaluator
{
    public static EvaluationResult Run(LoadedVlm model, IDocVqaReader reader, SafeImageDecoder decoder, int? limit = null, int maxNewTokens = 32,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var answerer = new VqaAnswerer(model, decoder);
        var report = new AnlsReport();
        var questions = new List<EvaluatedQuestion>();
        var skipped = new List<(long, string)>();
        var options = new AskOptions { MaxNewTokens = maxNewTokens };
        var stopped = false;
        try
        {
            foreach (var item in DocVqaEvaluationItems.Read(reader, decoder, cancellationToken))
            {
                if (limit is { } max && questions.Count >= max)
                {
                    break;
                }
                if (item is EvaluationSkip skip)
                {
                    skipped.Add((skip.Row, skip.Reason));
                    continue;
                }
                var (_, sample, turn, image) = (EvaluationQuestion)item;
                var answer = answerer.Ask(image, turn.Question, options, cancellationToken: cancellationToken);
                if (answer.Stopped)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                var score = report.Add(answer.Answer, turn.Answers, sample.QuestionTypes);
                questions.Add(new EvaluatedQuestion(sample.Id, turn.Question, answer.Answer, turn.Answers, sample.QuestionTypes, score));
                progress?.Report(new EvaluationProgress(questions.Count, skipped.Count, report.Overall));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopped = true;
        }
        return new EvaluationResult(report.Overall, report.ByQuestionType(), questions, skipped, stopped);
    }
}
