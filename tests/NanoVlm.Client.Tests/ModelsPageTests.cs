using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>The Models page fed by an in-memory registry that, like the server's, drops a model whose checkpoint was deleted.</summary>
public sealed class ModelsPageTests : IAsyncDisposable
{
    private readonly BunitContext _context = new();
    private readonly InMemoryRegistry _registry = new();

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

    private sealed class InMemoryRegistry : IModelRegistry
    {
        private readonly List<ModelChoice> _models =
        [
            new("checkpoint:/data/runs/r1/checkpoints/step_000020", "tiny · step 20", "run r1", 3_200_000) { Directory = "/data/runs/r1/checkpoints/step_000020" },
            new("checkpoint:/data/runs/r1/checkpoints/step_000400", "tiny · step 400", "run r1", 3_200_000) { Directory = "/data/runs/r1/checkpoints/step_000400", IsBest = true },
            new("preset:tiny", "tiny", "preset (random weights)", 3_200_000),
        ];

        public List<string> Deleted { get; } = [];

        public IReadOnlyList<ModelChoice> Models() => [.. _models.Where(m => !Deleted.Contains(m.Id))];

        public ModelChoice RegisterCheckpoint(string directory, string? name) => throw new PlaygroundException("Not in this test.");

        public Task<ModelChoice> ImportBackbonesAsync(string visionDirectory, string languageDirectory, string name, CancellationToken cancellationToken) =>
            throw new PlaygroundException("Not in this test.");

        public string ConfigurationJson(string modelId) => Deleted.Contains(modelId)
            ? throw new PlaygroundException($"The checkpoint '{modelId}' no longer exists: its folder was deleted.")
            : "{ \"vit_img_size\": 64 }";
    }
}
