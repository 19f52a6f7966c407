using NanoVlm.Engine.Evaluation;
using NanoVlm.Engine.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Engine.Tests.Evaluation;

/// <summary>
/// The one ANLS evaluation loop, with answers given by the caller (as the batch evaluation's inference thread and the
/// training thread give them): limits, skips, per-type scores, the observer's view, and stopping.
/// </summary>
public sealed class DocVqaEvaluatorTests : IDisposable
{
    private readonly Image<Rgb24> _page = new(32, 32);

    public void Dispose() => _page.Dispose();

    [Fact]
    public async Task ScoresEachAnswerReportsSkipsAndStopsAtTheLimit()
    {
        var items = new EvaluationItem[]
        {
            Question(0, "q0", ["red"], ["layout"]),
            new EvaluationSkip(1, "no ground-truth answers", 1, EvaluationSkipKind.NotScorable),
            Question(2, "q2", ["blue"], ["layout", "figure"]),
            Question(3, "q3", ["green"], []),
            Question(4, "q4", ["never asked"], []),
        };
        var answers = new Dictionary<string, string> { ["q0"] = "red", ["q2"] = "blu", ["q3"] = "yellow" };
        var observer = new Recording();
        var result = await DocVqaEvaluator.RunAsync(items, (question, _) => ValueTask.FromResult(Answer(answers[question.Question])), limit: 3, observer);

        Assert.Equal(["q0", "q2", "q3"], result.Questions.Select(q => q.Question));
        Assert.Equal([1.0, 0.75, 0.0], result.Questions.Select(q => q.Anls));
        Assert.Equal((1.0 + 0.75) / 3, result.Anls, 12);
        Assert.Equal([("(untyped)", 1, 0.0), ("figure", 1, 0.75), ("layout", 2, 0.875)], result.ByQuestionType.Select(g => (g.Name, g.Questions, g.Anls)));
        Assert.Equal([(1L, "no ground-truth answers")], result.Skipped);
        Assert.False(result.Stopped);
        Assert.Equal(["q0 1 1", "skip 1", "q2 0.75 2", "q3 0 3"], observer.Seen);
    }

    [Fact]
    public async Task CancellingKeepsWhatWasAnsweredAndSaysItStopped()
    {
        using var cancellation = new CancellationTokenSource();
        var items = Enumerable.Range(0, 5).Select(i => (EvaluationItem)Question(i, $"q{i}", ["a"], [])).ToList();
        var result = await DocVqaEvaluator.RunAsync(items, (question, token) =>
        {
            if (question.Row == 2) cancellation.Cancel();
            token.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Answer("a"));
        }, cancellationToken: cancellation.Token);
        Assert.True(result.Stopped);
        Assert.Equal(2, result.Questions.Count);
    }

    [Fact]
    public void TheSynchronousEvaluationAnswersOnTheCallingThread()
    {
        var thread = Environment.CurrentManagedThreadId;
        var answeredOn = new List<int>();
        var task = DocVqaEvaluator.RunAsync([Question(0, "q0", ["a"], []), Question(1, "q1", ["a"], [])], (_, _) =>
        {
            answeredOn.Add(Environment.CurrentManagedThreadId);
            return ValueTask.FromResult(Answer("a"));
        });
        // Answers that complete at once leave the loop on this thread from start to end (the training thread relies on it).
        Assert.True(task.IsCompleted);
        Assert.All(answeredOn, id => Assert.Equal(thread, id));
    }

    private EvaluationQuestion Question(long row, string question, IReadOnlyList<string> answers, IReadOnlyList<string> types) =>
        new(row, $"sample{row}", question, answers, types, _page);

    private static AskResult Answer(string text) => new(text, 1, 1, 2, 16, Stopped: false);

    private sealed class Recording : IEvaluationObserver
    {
        public List<string> Seen { get; } = [];

        public void Skipped(EvaluationSkip skip) => Seen.Add($"skip {skip.Row}");

        public void Answered(EvaluationQuestion question, AskResult answer, double score, AnlsReport report) =>
            Seen.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{question.Question} {score} {report.Questions}"));
    }
}
