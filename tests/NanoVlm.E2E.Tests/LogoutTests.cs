using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

/// <summary>Sign out from the app bar in a real browser, after the page has become interactive.</summary>
public sealed class LogoutTests(LiveDashboardWithToken dashboard) : IClassFixture<LiveDashboardWithToken>
{
    [Fact]
    public async Task SignOutInTheAppBarEndsTheSessionAfterInteractiveNavigation()
    {
        var page = await dashboard.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") problems.Add($"console: {message.Text}");
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");

        await page.GotoAsync(new Uri(dashboard.BaseAddress, "models").ToString());
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");
        await page.Locator("#token").FillAsync(LiveDashboardWithToken.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/models");

        // Navigate on the circuit first, so the form's antiforgery token is the one the interactive page carries.
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        await page.Locator(".mud-nav-link", new() { HasTextString = "Runs" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/runs");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");
        await Assertions.Expect(page.Locator("#token")).ToBeVisibleAsync();

        var cookies = await page.Context.CookiesAsync();
        Assert.DoesNotContain(cookies, c => c.Name == "NanoVlm.Access");
        await page.GotoAsync(new Uri(dashboard.BaseAddress, "runs").ToString());
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");

        Assert.Empty(problems);
        await page.CloseAsync();
    }
}
