using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using NanoVlm.Client.Runs;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>The run page's Checkpoints menu, fed by the model list as the server's catalog fills it.</summary>
public sealed class RunCheckpointsMenuTests : IAsyncDisposable
{
    private readonly BunitContext _context = new();
    private readonly ListedModels _models = new(
        ListedModels.RunCheckpoint("r1", "tiny", 0),
        ListedModels.RunCheckpoint("r1", "tiny", 50, best: true),
        ListedModels.RunCheckpoint("r1", "tiny", 400),
        ListedModels.RunCheckpoint("r2", "other", 100),
        new ModelChoice("preset:tiny", "tiny", "preset (random weights)", 3_200_000));

    public RunCheckpointsMenuTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IModelRegistry>(_models);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public async Task ListsTheRunsCheckpointsNewestFirstByStepAndMarksTheBest()
    {
        var popovers = _context.Render<MudPopoverProvider>();
        var menu = _context.Render<RunCheckpointsMenu>(parameters => parameters.Add(p => p.RunId, "r1"));
        Assert.Contains("Checkpoints (3)", menu.Markup, StringComparison.Ordinal);
        await menu.Find("button").ClickAsync(new());
        var items = popovers.WaitForElements("[data-testid=checkpoint-item]");
        Assert.Equal(["Step 400", "Step 50", "Step 0"], items.Select(i => i.TextContent.Trim().Split(':')[0]));
        Assert.Equal([false, true, false], items.Select(i => i.QuerySelector("[data-testid=best-checkpoint]") is not null));
        Assert.Contains("playground?model=checkpoint%3A%2Fdata%2Fruns%2Fr1%2Fcheckpoints%2Fstep_000050", items[1].OuterHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckpointDeletedByRetentionLeavesTheMenuWhenTheRunChanges()
    {
        var menu = _context.Render<RunCheckpointsMenu>(parameters => parameters.Add(p => p.RunId, "r1").Add(p => p.Version, 1));
        _models.Deleted.Add(_models.All[0].Id);
        menu.Render(parameters => parameters.Add(p => p.RunId, "r1").Add(p => p.Version, 2));
        Assert.Contains("Checkpoints (2)", menu.Markup, StringComparison.Ordinal);
    }
}
