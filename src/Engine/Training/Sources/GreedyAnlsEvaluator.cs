using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Evaluation;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Training.Sources;

/// <summary>
/// Validation ANLS during training: greedy answers of the model being trained to a fixed set of questions (the first
/// turns of the validation samples with one page), scored by <see cref="DocVqaEvaluator"/>. Runs on the training
/// thread between steps.
/// </summary>
public sealed class GreedyAnlsEvaluator(IReadOnlyList<VqaSample> samples, NanoVlmTokenizer tokenizer, int maxQuestions = 32, int maxNewTokens = 16)
{
    public double Evaluate(VisionLanguageModel model, int step)
    {
        ArgumentNullException.ThrowIfNull(model);
        // A view of the training model for the answerer; not disposed here, the trainer owns the weights.
        var view = new LoadedVlm(model, tokenizer, $"training step {step}", []);
        return DocVqaEvaluator.Run(view, FirstTurns(), maxQuestions, maxNewTokens).Anls;
    }

    /// <summary>The first turn of each sample with one page, its image loaded while it is answered.</summary>
    private IEnumerable<EvaluationItem> FirstTurns()
    {
        var row = 0L;
        foreach (var sample in samples.Where(s => s.Images.Count == 1 && s.Turns.Count > 0))
        {
            using var image = sample.Images[0].Load();
            var turn = sample.Turns[0];
            yield return new EvaluationQuestion(row++, sample.Id, turn.Question, turn.Answers, [], image);
        }
    }
}
