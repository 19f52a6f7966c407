using NanoVlm.Engine.Inference;

namespace NanoVlm.Engine.Evaluation;

/// <summary>
/// Follows an evaluation question by question, on the evaluation's own thread: to store answers as they come, show
/// progress, or keep a page's thumbnail while its image is still decoded.
/// </summary>
public interface IEvaluationObserver
{
    /// <summary>A row that cannot be scored, and why.</summary>
    void Skipped(EvaluationSkip skip);

    /// <summary>
    /// A question answered and scored. <paramref name="report"/> holds every score so far (this one included);
    /// <paramref name="question"/>'s image is valid only during the call.
    /// </summary>
    void Answered(EvaluationQuestion question, AskResult answer, double score, AnlsReport report);
}
