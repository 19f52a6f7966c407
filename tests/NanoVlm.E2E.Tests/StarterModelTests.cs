using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NanoVlm.Client.Services;

namespace NanoVlm.E2E.Tests;

/// <summary>A fresh dashboard as a newcomer finds it: no trained model, and one button to train the starter model.</summary>
public sealed class StarterModelTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    [Fact]
    public async Task TrainingTheStarterModelFromTheRunsPageShowsItsProgressThereAndInThePlayground()
    {
        var runs = await Open(dashboard, "runs");
        await Assertions.Expect(runs.Locator("[data-testid=starter-model]")).ToContainTextAsync("No trained model yet");
        await runs.Locator("[data-testid=train-starter]").ClickAsync();
        await Assertions.Expect(runs.Locator("[data-testid=starter-progress]")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"starter model is (queued|training):\s+step \d+ / 2500"));
        await Assertions.Expect(runs.Locator("[data-testid=runs-table] tbody tr")).ToHaveCountAsync(1);
        await runs.ScreenshotAsync(new() { Path = Screenshots.PathOf("runs-starter-model.png"), FullPage = true });

        // A second tab, on the playground: the same run's progress, not a second button.
        var playground = await Open(dashboard, "playground");
        await Assertions.Expect(playground.Locator("[data-testid=starter-progress]")).ToContainTextAsync("starter model is");
        await Assertions.Expect(playground.Locator("[data-testid=train-starter]")).ToHaveCountAsync(0);
        await playground.ScreenshotAsync(new() { Path = Screenshots.PathOf("playground-starter-model.png"), FullPage = true });

        // Keep the shared machine free for the other tests: this one is about the pages, not the 2,500 steps.
        var launcher = dashboard.Services.GetRequiredService<IRunLauncher>();
        var run = dashboard.Services.GetRequiredService<IRunQueries>().ListRuns().Single();
        launcher.Cancel(run.Id);
        await Assertions.Expect(runs.Locator("[data-testid=run-status]")).ToHaveTextAsync("Cancelled", new() { Timeout = 120_000 });
        await runs.CloseAsync();
        await playground.CloseAsync();
    }

    internal static async Task<IPage> Open(LiveDashboard dashboard, string path, int width = 1400, int height = 1000)
    {
        var page = await dashboard.NewPageAsync(width, height);
        await page.GotoAsync(new Uri(dashboard.BaseAddress, path).ToString());
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        return page;
    }
}
