using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

/// <summary>A real tiny training run started from the New run form, watched live on its run page.</summary>
public sealed class TrainingFromTheFormTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    private static readonly LocatorAssertionsToHaveTextOptions Patient = new() { Timeout = 180_000 };

    [Fact]
    public async Task StartingATinyRunShowsItsLossCurveAndStepsAdvanceThenCancel()
    {
        var page = await dashboard.NewPageAsync(1400, 1000);
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);
        await page.GotoAsync(new Uri(dashboard.BaseAddress, "runs/new").ToString());
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);

        // Keep the run short: fewer steps and no mid-run evaluation; everything else is the defaults.
        await FillNumber(page, "steps", "400");
        await FillNumber(page, "eval-interval", "1000");
        await FillNumber(page, "max-length", "128");
        await Assertions.Expect(page.Locator("[data-testid=estimate]")).ToContainTextAsync("Memory:");
        await page.Locator("[data-testid=start-run]").ClickAsync();

        await page.WaitForURLAsync(url => url.Contains("/runs/2", StringComparison.Ordinal), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=run-status]")).ToHaveTextAsync("Running", Patient);
        // Steps advance and the loss chart draws them.
        await Assertions.Expect(page.Locator("[data-testid=step-counter]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"Step ([3-9]|\d\d+) / 400"), Patient);
        await Assertions.Expect(page.Locator("[data-testid=active-run]")).ToContainTextAsync("tok/s");
        var lossChart = page.Locator("[data-title='Train loss']");
        await Assertions.Expect(lossChart.Locator("path").First).ToBeVisibleAsync();
        Assert.DoesNotContain("no data yet", await lossChart.InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("run-page-training.png"), FullPage = true });

        await page.Locator("[data-testid=cancel-run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-status]")).ToHaveTextAsync("Cancelled", Patient);
        Assert.Empty(problems);
        await page.CloseAsync();
    }

    private static async Task FillNumber(IPage page, string testId, string value)
    {
        // MudBlazor puts extra attributes on the input itself or on its wrapper, depending on the component.
        var input = page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }
}
