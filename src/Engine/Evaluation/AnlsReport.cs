namespace NanoVlm.Engine.Evaluation;

/// <summary>ANLS over a group of questions.</summary>
public sealed record AnlsGroup(string Name, int Questions, double Anls);

/// <summary>
/// Collects per-question ANLS scores and reports the mean overall and per DocVQA question type. A
/// question with several types counts in each of them (as the DocVQA leaderboard does); a question with
/// none counts under <see cref="UntypedName"/>.
/// </summary>
public sealed class AnlsReport
{
    public const string UntypedName = "(untyped)";

    private readonly Dictionary<string, (double Total, int Count)> _byType = new(StringComparer.Ordinal);
    private double _total;

    public int Questions { get; private set; }

    /// <summary>Mean ANLS over all questions so far; 0 before the first.</summary>
    public double Overall => Questions == 0 ? 0.0 : _total / Questions;

    /// <summary>Scores one question with <see cref="Anls.Score"/>, adds it, and returns the score.</summary>
    public double Add(string prediction, IReadOnlyList<string> answers, IEnumerable<string>? questionTypes = null)
    {
        var score = Anls.Score(prediction, answers);
        AddScore(score, questionTypes);
        return score;
    }

    /// <summary>Adds a score computed elsewhere.</summary>
    public void AddScore(double score, IEnumerable<string>? questionTypes = null)
    {
        if (double.IsNaN(score) || score < 0 || score > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, "An ANLS score lies in [0, 1].");
        }
        _total += score;
        Questions++;
        var types = questionTypes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (types.Count == 0)
        {
            types.Add(UntypedName);
        }
        foreach (var type in types)
        {
            var (total, count) = _byType.GetValueOrDefault(type);
            _byType[type] = (total + score, count + 1);
        }
    }

    /// <summary>Per question type, by name.</summary>
    public IReadOnlyList<AnlsGroup> ByQuestionType() =>
        _byType.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new AnlsGroup(pair.Key, pair.Value.Count, pair.Value.Total / pair.Value.Count))
            .ToList();
}
