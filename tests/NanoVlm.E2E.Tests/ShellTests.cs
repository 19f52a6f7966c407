using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

public sealed class ShellTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    [Fact]
    public async Task NavigationReachesEverySectionWithoutConsoleErrors()
    {
        var page = await dashboard.NewPageAsync();
        var problems = CollectBrowserProblems(page);

        await page.GotoAsync(dashboard.BaseAddress.ToString());
        await Assertions.Expect(page.Locator(".mud-nav-link")).ToHaveCountAsync(4);

        foreach (var (link, path, title) in new[]
        {
            ("New run", "/runs/new", "New run"),
            ("Playground", "/playground", "Playground"),
            ("Models", "/models", "Models"),
            ("Runs", "/runs", "Runs"),
        })
        {
            await page.Locator(".mud-nav-link", new() { HasTextString = link }).ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path);
            await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync(title);
        }

        Assert.Empty(problems);
        await page.CloseAsync();
    }

    [Fact]
    public async Task MudBlazorStylesLoadAndTheCircuitIsInteractive()
    {
        var page = await dashboard.NewPageAsync();
        var problems = CollectBrowserProblems(page);
        await page.GotoAsync(dashboard.BaseAddress.ToString());

        // MudBlazor's stylesheet fixes the app bar to the top; without it the bar is a static div.
        var appBar = page.Locator(".mud-appbar");
        await Assertions.Expect(appBar).ToHaveCSSAsync("position", "fixed");

        // The drawer toggle only works once the SignalR circuit runs the component interactively.
        var drawer = page.Locator(".mud-drawer");
        await Assertions.Expect(drawer).ToHaveClassAsync(new Regex("mud-drawer--open"));
        await WaitForInteractivity(page);
        await page.GetByLabel("Toggle navigation").ClickAsync();
        await Assertions.Expect(drawer).ToHaveClassAsync(new Regex("mud-drawer--closed"));

        Assert.Empty(problems);
        await page.CloseAsync();
    }

    // The layout flips data-circuit once its first interactive render has run on the circuit.
    private static Task WaitForInteractivity(IPage page) =>
        Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);

    private static List<string> CollectBrowserProblems(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");
        page.RequestFailed += (_, request) => problems.Add($"request failed: {request.Url} {request.Failure}");
        return problems;
    }
}
