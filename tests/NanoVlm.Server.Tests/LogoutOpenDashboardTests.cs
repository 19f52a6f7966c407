using System.Net;
using NanoVlm.Server.Access;

namespace NanoVlm.Server.Tests;

/// <summary>Without an access token there is no session: the app bar has no Sign out and /logout changes nothing.</summary>
public sealed class LogoutOpenDashboardTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task PagesHaveNoSignOutForm()
    {
        using var client = factory.CreateClient();
        var html = await client.GetStringAsync("/models");
        Assert.Contains("data-testid=\"system-chip\"", html, StringComparison.Ordinal); // the app bar was rendered
        Assert.DoesNotContain("data-testid=\"sign-out\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"action=\"{LogoutEndpoints.Path}\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostingToLogoutGoesHome()
    {
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await client.PostAsync(LogoutEndpoints.Path, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }
}
