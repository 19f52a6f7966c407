using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

/// <summary>The live dashboard with an access token set.</summary>
public sealed class LiveDashboardWithToken : LiveDashboard
{
    public const string Token = "e2e-token-0123456789abcdef";

    protected override void ConfigureSettings(IWebHostBuilder builder) => builder.UseSetting("Access:Token", Token);
}

public sealed class SignInTests(LiveDashboardWithToken dashboard) : IClassFixture<LiveDashboardWithToken>
{
    [Fact]
    public async Task TheBrowserSignsInOnceThenTheInteractiveUiWorksUnderTheContentSecurityPolicy()
    {
        var page = await dashboard.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            // The wrong token's 401 is the one expected console error.
            if (message.Type == "error" && !message.Text.Contains("401", StringComparison.Ordinal)) problems.Add($"console: {message.Text}");
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");

        await page.GotoAsync(new Uri(dashboard.BaseAddress, "models").ToString());
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");
        await page.Locator("#token").FillAsync("not-the-token-0000000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That is not the access token.");

        await page.Locator("#token").FillAsync(LiveDashboardWithToken.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/models");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Models");

        // The circuit (a WebSocket carrying the cookie) runs: navigation by the interactive menu works.
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        await page.Locator(".mud-nav-link", new() { HasTextString = "Runs" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/runs");
        await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync("Runs");

        Assert.Empty(problems);
        await page.CloseAsync();
    }
}
