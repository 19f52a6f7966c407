using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Playground;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>The batch evaluation tab fed by an in-memory service whose updates come from a channel, as the server publishes them.</summary>
public sealed class BatchEvaluationPanelTests : IAsyncDisposable
{
    private static readonly IReadOnlyList<ModelChoice> Models =
        [new("preset:tiny", "tiny", "preset (random weights)", 1_000_000), new("checkpoint:/runs/a/step-100", "a · step 100", "run a", 1_000_000)];

    private readonly BunitContext _context = new();
    private readonly ChannelEvaluations _service = new();

    public BatchEvaluationPanelTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IBatchEvaluations>(_service);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public async Task StartingShowsProgressThenEveryAnswerWithItsScore()
    {
        var panel = Render();
        await panel.Find("button[data-testid=batch-start]").ClickAsync(new());
        var request = Assert.Single(_service.Requests);
        Assert.Equal("synthetic:easy", request.Data);
        Assert.Equal(24, request.Limit);
        Assert.Equal("checkpoint:/runs/a/step-100", request.Model);
        panel.WaitForAssertion(() => Assert.Contains("0 / 3 questions", panel.Find("[data-testid=batch-progress-text]").TextContent, StringComparison.Ordinal));

        await _service.PublishAsync(Question(0, "red", ["red"], 1.0, done: 1));
        await _service.PublishAsync(Question(1, "blu", ["blue"], 0.75, done: 2));
        panel.WaitForAssertion(() => Assert.Equal(2, panel.FindAll("[data-testid=batch-answer]").Count));
        Assert.Contains("2 / 3 questions", panel.Find("[data-testid=batch-progress-text]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["1.000", "0.750"], panel.FindAll("[data-testid=batch-question-anls]").Select(e => e.TextContent.Trim()));
        Assert.Contains("blue", panel.Find("[data-testid=batch-results]").TextContent, StringComparison.Ordinal);
        Assert.False(panel.Find("button[data-testid=batch-stop]").HasAttribute("disabled"));

        await _service.PublishAsync(new BatchEvaluationUpdate(_service.Current with
        {
            Status = BatchEvaluationStatus.Completed, Done = 3, Anls = 0.5833, ByQuestionType = [new("layout", 2, 0.5), new("figure", 1, 0.75)],
        }, null));
        panel.WaitForAssertion(() => Assert.Equal("0.583", panel.Find("[data-testid=batch-anls]").TextContent.Trim()));
        Assert.Equal(2, panel.FindAll("[data-testid=batch-type]").Count);
        Assert.True(panel.Find("button[data-testid=batch-stop]").HasAttribute("disabled"));
        Assert.Contains("Completed", panel.Find("[data-testid=batch-status]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedEvaluationShowsItsErrorWithoutAScore()
    {
        var panel = Render();
        await panel.Find("button[data-testid=batch-start]").ClickAsync(new());
        await _service.PublishAsync(new BatchEvaluationUpdate(_service.Current with
        {
            Status = BatchEvaluationStatus.Failed, Error = "The checkpoint 'a · step 100' no longer exists.",
        }, null));
        panel.WaitForAssertion(() => Assert.Contains("no longer exists", panel.Find("[data-testid=batch-failure]").TextContent, StringComparison.Ordinal));
        Assert.Empty(panel.FindAll("[data-testid=batch-anls]"));
        Assert.DoesNotContain("ANLS", panel.Find("[data-testid=batch-progress-text]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("ANLS", panel.Find("[data-testid=batch-past]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheModelIsNamedByRunAndStepWithItsFolderOnHover()
    {
        var panel = Render();
        await panel.Find("button[data-testid=batch-start]").ClickAsync(new());
        var names = panel.FindAll("[data-testid=batch-model-name]");
        Assert.Equal(2, names.Count); // the open evaluation and the list of evaluations
        Assert.All(names, name => Assert.Equal("a · step 100", name.TextContent.Trim()));
        Assert.All(names, name => Assert.Equal("/runs/a/step-100", name.GetAttribute("title")));
        Assert.DoesNotContain("checkpoint:", panel.Find("[data-testid=batch-status]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopCancelsTheRunningEvaluation()
    {
        var panel = Render();
        await panel.Find("button[data-testid=batch-start]").ClickAsync(new());
        await panel.Find("button[data-testid=batch-stop]").ClickAsync(new());
        Assert.Equal([_service.Current.Id], _service.Cancelled);
    }

    [Fact]
    public async Task ARefusedRequestShowsWhy()
    {
        _service.Refusal = "'/etc' is outside the data folder.";
        var panel = Render();
        await panel.Find("button[data-testid=batch-start]").ClickAsync(new());
        Assert.Contains("outside the data folder", panel.Find("[data-testid=batch-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEvaluationStillRunningIsShownWhenThePageOpens()
    {
        _service.Start(new BatchEvaluationRequest { Data = "synthetic:easy", Model = "preset:tiny", Limit = 3 });
        var panel = Render();
        Assert.Contains("Running", panel.Find("[data-testid=batch-status]").TextContent, StringComparison.Ordinal);
        Assert.Single(panel.FindAll("[data-testid=batch-past] tr"));
    }

    private IRenderedComponent<BatchEvaluationPanel> Render()
    {
        _context.Render<MudBlazor.MudPopoverProvider>();
        return _context.Render<BatchEvaluationPanel>(parameters => parameters
            .Add(p => p.Models, Models)
            .Add(p => p.DefaultModelId, "checkpoint:/runs/a/step-100"));
    }

    private BatchEvaluationUpdate Question(int index, string answer, IReadOnlyList<string> expected, double anls, int done) =>
        new(_service.Current with { Done = done, Anls = anls },
            new BatchQuestionResult(index, $"q{index}", $"Question {index}?", answer, expected, ["layout"], anls, 10, "data:image/png;base64,AAAA"));

    /// <summary>
    /// An evaluation service in memory: Start records the request and makes a running evaluation of three questions;
    /// updates written to the channel reach subscribers on a pump task, like the server's evaluation thread.
    /// </summary>
    private sealed class ChannelEvaluations : IBatchEvaluations
    {
        private readonly Channel<BatchEvaluationUpdate> _updates = Channel.CreateUnbounded<BatchEvaluationUpdate>();
        private readonly List<(string Id, Action<BatchEvaluationUpdate> Handler)> _subscribers = [];
        private readonly List<BatchQuestionResult> _questions = [];

        public ChannelEvaluations() => _ = Task.Run(PumpAsync);

        public List<BatchEvaluationRequest> Requests { get; } = [];

        public List<string> Cancelled { get; } = [];

        public string? Refusal { get; set; }

        public BatchEvaluationSummary Current { get; private set; } = null!;

        public string DataRoot => "/data";

        public string DatasetsFolder => "/data/datasets";

        public IReadOnlyList<string> Formats => ["auto", "docvqa"];

        public IReadOnlyList<DatasetChoice> Datasets() => [new("/data/datasets/val_v1.0.json", "val_v1.0.json", "docvqa")];

        public BatchEvaluationSummary Start(BatchEvaluationRequest request)
        {
            if (Refusal is not null) throw new PlaygroundException(Refusal);
            Requests.Add(request);
            Current = new BatchEvaluationSummary("e1", request.Data, "/data/datasets/synthetic-easy-val-24q/val_v1.0.json", "docvqa", request.Model,
                request.MaxNewTokens, BatchEvaluationStatus.Running, DateTimeOffset.UtcNow, null, 0, 3, 0, 0, [], [], null);
            return Current;
        }

        public async Task PublishAsync(BatchEvaluationUpdate update)
        {
            Current = update.Summary;
            if (update.Question is { } question) lock (_questions) _questions.Add(question);
            await _updates.Writer.WriteAsync(update);
        }

        public bool Cancel(string id)
        {
            Cancelled.Add(id);
            return true;
        }

        public IReadOnlyList<BatchEvaluationSummary> List() => Current is null ? [] : [Current];

        public BatchEvaluationSummary? Find(string id) => Current?.Id == id ? Current : null;

        public IReadOnlyList<BatchQuestionResult> Questions(string id)
        {
            lock (_questions) return [.. _questions];
        }

        public IDisposable Subscribe(string id, Action<BatchEvaluationUpdate> handler)
        {
            lock (_subscribers) _subscribers.Add((id, handler));
            return new Unsubscriber(() => { lock (_subscribers) _subscribers.Remove((id, handler)); });
        }

        private async Task PumpAsync()
        {
            await foreach (var update in _updates.Reader.ReadAllAsync())
            {
                List<Action<BatchEvaluationUpdate>> handlers;
                lock (_subscribers) handlers = [.. _subscribers.Where(s => s.Id == update.Summary.Id).Select(s => s.Handler)];
                foreach (var handler in handlers) handler(update);
            }
        }

        private sealed class Unsubscriber(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }
}
