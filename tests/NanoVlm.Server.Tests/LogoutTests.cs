using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using NanoVlm.Server.Access;

namespace NanoVlm.Server.Tests;

/// <summary>
/// Signing out with a token set: the app bar's form (taken from the page the server renders) posts to /logout with
/// its antiforgery token, which deletes the sign-in cookie; anything else leaves the visitor signed in.
/// </summary>
public sealed class LogoutTests(TokenDashboardFactory factory) : IClassFixture<TokenDashboardFactory>
{
    private const string CookieName = "NanoVlm.Access";

    [Fact]
    public async Task TheSignOutFormOnAPageDeletesTheCookieAndSendsTheVisitorToSignIn()
    {
        using var browser = factory.CreateBrowser();
        await SignInAsync(browser);
        using var page = await browser.GetAsync("/models");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var (field, value) = SignOutFormField(await page.Content.ReadAsStringAsync());

        using var signOut = await browser.PostAsync(LogoutEndpoints.Path, Form((field, value)));
        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        Assert.Equal(LoginEndpoints.Path, signOut.Headers.Location?.OriginalString);
        var deletion = AccessCookie(signOut);
        Assert.NotNull(deletion);
        Assert.StartsWith($"{CookieName}=;", deletion, StringComparison.Ordinal);
        Assert.True(Expiry(deletion) < DateTimeOffset.UtcNow, $"the cookie is not expired: {deletion}");
        Assert.Contains("path=/", deletion, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", deletion, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", deletion, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(factory.Log.Entries, e => e.EventId.Id == 8105);

        using var after = await browser.GetAsync("/models");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith(LoginEndpoints.Path, after.Headers.Location?.OriginalString, StringComparison.Ordinal);
        using var login = await browser.GetAsync(LoginEndpoints.Path);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task SignOutWithoutTheAntiforgeryTokenIsRefusedAndKeepsTheCookie()
    {
        using var browser = factory.CreateBrowser();
        await SignInAsync(browser);

        using var forged = await browser.PostAsync(LogoutEndpoints.Path, Form());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("did not come from this dashboard", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(AccessCookie(forged));
        using var wrongField = await browser.PostAsync(LogoutEndpoints.Path, Form(("__RequestVerificationToken", "not-a-token")));
        Assert.Equal(HttpStatusCode.BadRequest, wrongField.StatusCode);
        Assert.Null(AccessCookie(wrongField));

        using var page = await browser.GetAsync("/models");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task GetLogoutChangesNothing()
    {
        using var browser = factory.CreateBrowser();
        await SignInAsync(browser);

        using var get = await browser.GetAsync(LogoutEndpoints.Path);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Contains("POST", get.Content.Headers.Allow);
        Assert.Null(AccessCookie(get));

        using var page = await browser.GetAsync("/models");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task SigningOutTwiceOrWithoutACookieEndsAtTheSignInPage()
    {
        using var browser = factory.CreateBrowser();
        await SignInAsync(browser);
        using var page = await browser.GetAsync("/");
        var field = SignOutFormField(await page.Content.ReadAsStringAsync());
        using var first = await browser.PostAsync(LogoutEndpoints.Path, Form(field));
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);

        // The same form again, as from a second tab: the gate lets it through and it ends at the sign-in page.
        using var second = await browser.PostAsync(LogoutEndpoints.Path, Form(field));
        Assert.Equal(HttpStatusCode.SeeOther, second.StatusCode);
        Assert.Equal(LoginEndpoints.Path, second.Headers.Location?.OriginalString);

        using var stranger = factory.CreateBrowser();
        using var bare = await stranger.PostAsync(LogoutEndpoints.Path, Form());
        Assert.Equal(HttpStatusCode.SeeOther, bare.StatusCode);
        Assert.Equal(LoginEndpoints.Path, bare.Headers.Location?.OriginalString);
    }

    private static async Task SignInAsync(HttpClient browser)
    {
        var field = TokenDashboardFactory.AntiforgeryField(await browser.GetStringAsync(LoginEndpoints.Path));
        using var signIn = await browser.PostAsync(LoginEndpoints.Path, Form(("token", TokenDashboardFactory.Token), ("returnUrl", "/"), field));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.NotNull(AccessCookie(signIn));
    }

    /// <summary>The app bar's sign-out form in a rendered page: it must post to /logout and carry an antiforgery field.</summary>
    private static (string Name, string Value) SignOutFormField(string html)
    {
        var form = Regex.Match(html, $"<form[^>]*action=\"{Regex.Escape(LogoutEndpoints.Path)}\"[^>]*>(.*?)</form>", RegexOptions.Singleline);
        Assert.True(form.Success, "the page has no sign-out form");
        Assert.Contains("method=\"post\"", form.Value, StringComparison.Ordinal);
        Assert.Contains("Sign out", form.Groups[1].Value, StringComparison.Ordinal);
        return TokenDashboardFactory.AntiforgeryField(form.Groups[1].Value);
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static string? AccessCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.SingleOrDefault(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal)) : null;

    private static DateTimeOffset Expiry(string setCookie)
    {
        var expires = Regex.Match(setCookie, "expires=([^;]+)", RegexOptions.IgnoreCase);
        Assert.True(expires.Success, $"no expiry in {setCookie}");
        return DateTimeOffset.Parse(expires.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
