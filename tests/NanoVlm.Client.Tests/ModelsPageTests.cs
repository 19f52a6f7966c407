using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>The Models page fed by a registry in memory that drops a model whose checkpoint was deleted, as the server's does.</summary>
public sealed class ModelsPageTests : IAsyncDisposable
{
    private readonly BunitContext _context = new();
    private readonly ListedModels _registry = new(
        ListedModels.RunCheckpoint("r1", "tiny", 20),
        ListedModels.RunCheckpoint("r1", "tiny", 400, best: true),
        new ModelChoice("preset:tiny", "tiny", "preset (random weights)", 3_200_000));

    public ModelsPageTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IModelRegistry>(_registry);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void TheTableMarksTheBestCheckpointAndShowsTheFolderOnHover()
    {
        var page = _context.Render<Models>();
        var names = page.FindAll("[data-testid=models-name]");
        Assert.Equal(["tiny · step 20", "tiny · step 400", "tiny"], names.Select(n => n.TextContent.Trim()));
        Assert.Equal("/data/runs/r1/checkpoints/step_000400", names[1].GetAttribute("title"));
        var rows = page.FindAll("[data-testid=models-table] tbody tr");
        Assert.Empty(rows[0].QuerySelectorAll("[data-testid=best-checkpoint]"));
        Assert.Single(rows[1].QuerySelectorAll("[data-testid=best-checkpoint]"));
    }

    [Fact]
    public async Task OpeningAModelWhoseCheckpointWasDeletedSaysSoAndDropsItFromTheTable()
    {
        var page = _context.Render<Models>();
        _registry.Deleted.Add("checkpoint:/data/runs/r1/checkpoints/step_000020");
        await page.FindAll("[data-testid=models-table] tbody tr")[0].ClickAsync(new());
        Assert.Contains("no longer exists", page.Find("[data-testid=models-message]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, page.FindAll("[data-testid=models-name]").Count);
        // The page still works: another model's configuration opens.
        await page.FindAll("[data-testid=models-table] tbody tr")[0].ClickAsync(new());
        Assert.Contains("vit_img_size", page.Find("[data-testid=model-config]").TextContent, StringComparison.Ordinal);
    }
}
