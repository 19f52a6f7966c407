using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

/// <summary>
/// A run of the PyTorch engine started from the New run form (Where: torchrun, 2 processes): the real python3 with
/// torch trains over gloo on the CPU, and its run page follows it live to the end like an in-process run's.
/// </summary>
public sealed class DistributedFromTheFormTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    private static readonly LocatorAssertionsToHaveTextOptions Patient = new() { Timeout = 300_000 };

    [Fact]
    public async Task A_two_process_torchrun_run_started_from_the_form_shows_its_curve_and_completes()
    {
        var page = await dashboard.NewPageAsync(1400, 1000);
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);
        await page.GotoAsync(new Uri(dashboard.BaseAddress, "runs/new").ToString());
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);

        // Where: Slurm shows its own settings, and a time limit Slurm would refuse is refused here, saying the syntax.
        await page.Locator("[data-testid=where]").ClickAsync();
        await page.Locator(".mud-popover-open [data-testid=where-slurm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=nnodes]")).ToBeVisibleAsync();
        var timeLimit = page.Locator("input[data-testid=time-limit], [data-testid=time-limit] input").First;
        await timeLimit.FillAsync("4 hours");
        await timeLimit.PressAsync("Tab");
        await Assertions.Expect(page.Locator("[data-testid=run-where]")).ToContainTextAsync("not in Slurm's syntax");
        await Assertions.Expect(page.Locator("[data-testid=start-run]")).ToBeDisabledAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("new-run-slurm-refused.png"), FullPage = true });

        // Where: torchrun on this machine, which says which PyTorch it found; Slurm's fields go away.
        await page.Locator("[data-testid=where]").ClickAsync();
        await page.Locator(".mud-popover-open [data-testid=where-torchrun]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-where]")).ToContainTextAsync(new Regex(@"PyTorch \d+\.\d+"));
        await Assertions.Expect(page.Locator("[data-testid=nnodes]")).ToHaveCountAsync(0);
        await FillNumber(page, "nproc-per-node", "2");
        await FillNumber(page, "steps", "6");
        await FillNumber(page, "eval-interval", "6");
        await FillNumber(page, "max-length", "128");
        await Assertions.Expect(page.Locator("[data-testid=start-run]")).ToBeEnabledAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("new-run-torchrun.png"), FullPage = true });
        await page.Locator("[data-testid=start-run]").ClickAsync();

        await page.WaitForURLAsync(url => url.Contains("/runs/2", StringComparison.Ordinal), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=run-status]")).ToHaveTextAsync("Completed", Patient);
        await Assertions.Expect(page.Locator("[data-testid=step-counter]")).ToHaveTextAsync(new Regex(@"Step 6 / 6"));
        var lossChart = page.Locator("[data-title='Train loss']");
        await Assertions.Expect(lossChart.Locator("path").First).ToBeVisibleAsync();
        Assert.DoesNotContain("no data yet", await lossChart.InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("run-page-torchrun.png"), FullPage = true });
        Assert.Empty(problems);
        await page.CloseAsync();
    }

    private static async Task FillNumber(IPage page, string testId, string value)
    {
        var input = page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }
}
