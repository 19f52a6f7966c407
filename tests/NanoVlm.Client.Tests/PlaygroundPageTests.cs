using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>
/// The playground page fed by an in-memory playground that behaves as the server's does: a checkpoint deleted from
/// disk leaves its model list, and previewing or asking with it is refused with the reason.
/// </summary>
public sealed class PlaygroundPageTests : IAsyncDisposable
{
    private const string Step20 = "checkpoint:/data/runs/20261128-101010-ab12/checkpoints/step_000020";
    private const string Step400 = "checkpoint:/data/runs/20261128-101010-ab12/checkpoints/step_000400";

    private readonly BunitContext _context = new();
    private readonly InMemoryPlayground _playground = new(
    [
        new(Step20, "tiny · step 20", "run 20261128-101010-ab12", 3_200_000) { Directory = Step20[11..], Run = new("20261128-101010-ab12", "tiny", 20) },
        new(Step400, "tiny · step 400", "run 20261128-101010-ab12", 3_200_000) { Directory = Step400[11..], Run = new("20261128-101010-ab12", "tiny", 400), IsBest = true },
        new("preset:tiny", "tiny", "preset (random weights)", 3_200_000),
    ]);

    public PlaygroundPageTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IPlayground>(_playground);
        _context.Services.AddSingleton<IBatchEvaluations>(new NoEvaluations());
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public async Task PickingACheckpointDeletedSinceTheListWasDrawnSaysSoAndThePageKeepsWorking()
    {
        _context.Render<MudPopoverProvider>();
        var page = Render(Step400);
        await page.Find("[data-testid=example]").ClickAsync(new());
        _playground.Delete(Step20); // checkpoint retention, while the page still lists it

        var select = page.FindComponent<MudSelect<string>>();
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(Step20));

        Assert.Contains("no longer exists", page.Find("[data-testid=model-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("tiny · step 400", SelectedModel(page)); // back on the model that works
        Assert.DoesNotContain(page.FindComponents<MudSelectItem<string>>(), item => item.Instance.Value == Step20);
        // Typing and asking still work.
        page.Find("textarea[data-testid=question]").Input("What is the total?");
        await page.Find("button[data-testid=ask]").ClickAsync(new());
        page.WaitForAssertion(() => Assert.Equal("42.00", page.Find("[data-testid=answer]").TextContent.Trim()));
        Assert.Equal(Step400, _playground.AskedWith.Single());
    }

    [Fact]
    public async Task AskingWithACheckpointDeletedAfterItWasPickedShowsTheReason()
    {
        var page = Render(Step20);
        await page.Find("[data-testid=example]").ClickAsync(new());
        _playground.Delete(Step20);
        await page.Find("button[data-testid=ask]").ClickAsync(new());
        Assert.Contains("no longer exists", page.Find("[data-testid=ask-error]").TextContent, StringComparison.Ordinal);
        Assert.False(page.Find("button[data-testid=ask]").HasAttribute("disabled"));
    }

    [Fact]
    public void OpeningThePageForADeletedCheckpointSaysWhichModelItShowsInstead()
    {
        var page = Render("checkpoint:/data/runs/20261128-101010-ab12/checkpoints/step_000060");
        Assert.Contains("20261128-101010-ab12 · step 60", page.Find("[data-testid=model-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("tiny · step 20", SelectedModel(page));
    }

    [Fact]
    public void HistoryNamesTheRunAndStepWithThePathOnHover()
    {
        _playground.Entries.Add(Entry("e1", Step400, "tiny · step 400"));
        _playground.Entries.Add(Entry("e2", "checkpoint:/data/runs/20261127-090000-cd34/checkpoints/step_000060", null)); // stored before names were kept, since deleted
        var page = Render(Step400);
        var models = page.FindAll("[data-testid=history-model]");
        Assert.Equal(["tiny · step 400", "20261127-090000-cd34 · step 60"], models.Select(m => m.TextContent.Trim()));
        Assert.Equal("/data/runs/20261128-101010-ab12/checkpoints/step_000400", models[0].GetAttribute("title"));
        Assert.DoesNotContain("checkpoint:", page.Find("[data-testid=history]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void TheModelListMarksTheBestCheckpointAndShowsItsFolderOnHover()
    {
        var popovers = _context.Render<MudPopoverProvider>();
        var page = Render(Step400);
        page.Find("input[data-testid=model-select]").Closest(".mud-input-control")!.MouseDown();
        page.WaitForAssertion(() => Assert.Equal(3, popovers.FindAll("[data-testid=model-choice]").Count));
        var choices = popovers.FindAll("[data-testid=model-choice]");
        Assert.Empty(choices[0].QuerySelectorAll("[data-testid=best-checkpoint]"));
        Assert.Single(choices[1].QuerySelectorAll("[data-testid=best-checkpoint]"));
        Assert.Equal("/data/runs/20261128-101010-ab12/checkpoints/step_000400", choices[1].GetAttribute("title"));
    }

    private IRenderedComponent<Pages.Playground> Render(string model)
    {
        var navigation = _context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo($"playground?model={Uri.EscapeDataString(model)}");
        return _context.Render<Pages.Playground>();
    }

    /// <summary>What the Model field shows.</summary>
    private static string? SelectedModel(IRenderedComponent<Pages.Playground> page) => page.Find("input[data-testid=model-select]").GetAttribute("value");

    private static PlaygroundEntry Entry(string id, string modelId, string? modelName) =>
        new(id, DateTimeOffset.UtcNow, "u1", "data:image/png;base64,AAAA", modelId, "What is the total?", "42.00", null, null) { ModelName = modelName };

    /// <summary>A playground in memory: answers "42.00", and refuses models whose checkpoint was deleted as the server does.</summary>
    private sealed class InMemoryPlayground(List<ModelChoice> models) : IPlayground
    {
        private readonly ImagePreview _preview = new("u1", 640, 480, 1, 1, 64, "data:image/png;base64,AAAA");

        public List<PlaygroundEntry> Entries { get; } = [];

        public List<string> AskedWith { get; } = [];

        public long MaxUploadBytes => 1 << 20;

        public void Delete(string modelId) => models.RemoveAll(m => m.Id == modelId);

        public IReadOnlyList<ModelChoice> Models() => [.. models];

        public Task<ImagePreview> UploadAsync(byte[] bytes, string modelId, CancellationToken cancellationToken) => Task.FromResult(_preview);

        public Task<(ImagePreview Preview, string Question, string Answer)> ExampleAsync(string modelId, CancellationToken cancellationToken) =>
            Task.FromResult((_preview, "What is the total?", "42.00"));

        public Task<ImagePreview> PreviewAsync(string uploadId, string modelId, CancellationToken cancellationToken)
        {
            Require(modelId);
            return Task.FromResult(_preview);
        }

        public async Task<PlaygroundAnswer> AskAsync(string uploadId, string question, string modelId, DecodingSettings settings, string? expectedAnswer,
            Action<string> onText, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Require(modelId);
            AskedWith.Add(modelId);
            onText("42.00");
            return new PlaygroundAnswer("42.00", 3, 5, 9, false, null);
        }

        public IReadOnlyList<PlaygroundEntry> History() => [.. Entries];

        public void DeleteHistoryEntry(string id) => Entries.RemoveAll(e => e.Id == id);

        private void Require(string modelId)
        {
            if (models.All(m => m.Id != modelId))
            {
                throw new PlaygroundException($"The checkpoint '{modelId}' no longer exists: its folder was deleted. Pick another model from the list.");
            }
        }
    }

    private sealed class NoEvaluations : IBatchEvaluations
    {
        public string DataRoot => "/data";

        public string DatasetsFolder => "/data/datasets";

        public IReadOnlyList<string> Formats => ["auto"];

        public IReadOnlyList<DatasetChoice> Datasets() => [];

        public BatchEvaluationSummary Start(BatchEvaluationRequest request) => throw new PlaygroundException("Not in this test.");

        public bool Cancel(string id) => false;

        public IReadOnlyList<BatchEvaluationSummary> List() => [];

        public BatchEvaluationSummary? Find(string id) => null;

        public IReadOnlyList<BatchQuestionResult> Questions(string id) => [];

        public IDisposable Subscribe(string id, Action<BatchEvaluationUpdate> handler) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
