using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NanoVlm.Server.Live;

namespace NanoVlm.Server.Tests;

public sealed class AccessTokenTests(TokenDashboardFactory factory) : IClassFixture<TokenDashboardFactory>
{
    private const string Token = TokenDashboardFactory.Token;

    [Fact]
    public async Task ApiWithoutTheTokenIsA401ProblemWithABearerChallenge()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Authorization: Bearer", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiWithAWrongTokenIsRefusedAndLogged()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token-at-all-0000");
        using var response = await client.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var entry = factory.Log.Entries.First(e => e.EventId.Id == 8101 && e.Message.Contains("/api/runs", StringComparison.Ordinal));
        Assert.Contains("Wrong access token", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Log.Entries, e => e.Message.Contains("not-the-token-at-all", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiWithTheBearerTokenIsServed()
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var list = await client.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        // A write reaches the endpoint (which then finds the configuration wrong) rather than the gate.
        using var post = await client.PostAsync("/api/runs", new StringContent("{\"steps\":0}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Contains("Steps", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagesRedirectToTheSignInPageKeepingTheDestination()
    {
        using var browser = factory.CreateBrowser();
        using var response = await browser.GetAsync("/runs?sort=name");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fruns%3Fsort%3Dname", response.Headers.Location?.OriginalString);
        using var framework = await browser.GetAsync("/_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.Redirect, framework.StatusCode);
    }

    [Fact]
    public async Task SigningInSetsAStrictHttpOnlyCookieThatOpensTheUiAndDownloadsButNotApiWrites()
    {
        using var browser = factory.CreateBrowser();
        var html = await browser.GetStringAsync("/login?returnUrl=%2Fmodels");
        var (field, value) = TokenDashboardFactory.AntiforgeryField(html);
        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);

        using var signIn = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = Token, ["returnUrl"] = "/models", [field] = value,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/models", signIn.Headers.Location?.OriginalString);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("NanoVlm.Access=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var page = await browser.GetAsync("/models");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Models", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The run page's CSV link: a GET with the cookie passes the gate (and finds no such run).
        using var download = await browser.GetAsync("/api/runs/no-such-run/metrics.csv");
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        using var write = await browser.PostAsync("/api/runs", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
    }

    [Fact]
    public async Task SignInWithoutTheAntiforgeryFieldIsRefused()
    {
        using var browser = factory.CreateBrowser();
        await browser.GetStringAsync("/login");
        using var response = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = Token }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("expired or did not come from this page", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("NanoVlm.Access=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SignInWithAWrongTokenShowsTheFormAgainWithoutACookie()
    {
        using var browser = factory.CreateBrowser();
        var (field, value) = TokenDashboardFactory.AntiforgeryField(await browser.GetStringAsync("/login"));
        using var response = await browser.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = "wrong-token-wrong-token", ["returnUrl"] = "//evil.example/", [field] = value,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("That is not the access token.", html, StringComparison.Ordinal);
        Assert.Contains("name=\"returnUrl\" value=\"/\"", html, StringComparison.Ordinal);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("NanoVlm.Access=", StringComparison.Ordinal)));
        using var page = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
    }

    [Fact]
    public async Task TheHubRefusesAClientWithoutTheToken()
    {
        await using var connection = Hub(accessToken: null);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
    }

    [Fact]
    public async Task TheHubAcceptsAClientWithTheToken()
    {
        await using var connection = Hub(accessToken: Token);
        await connection.StartAsync();
        await connection.InvokeAsync(nameof(RunsHub.SubscribeAll));
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task TheHubTakesTheTokenFromTheQueryStringAsWebSocketClientsSendIt()
    {
        using var client = factory.CreateClient();
        using var refused = await client.PostAsync($"{RunsHub.Path}/negotiate?negotiateVersion=1&access_token=wrong-token-wrong-token", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var accepted = await client.PostAsync($"{RunsHub.Path}/negotiate?negotiateVersion=1&access_token={Token}", null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        // Only the hub reads the query string: the API wants the header.
        using var api = await client.GetAsync($"/api/runs?access_token={Token}");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task HealthzStaysOpenButTellsStrangersOnlyTheStatus()
    {
        using var client = factory.CreateClient();
        using var open = JsonDocument.Parse(await client.GetStringAsync("/healthz"));
        Assert.Equal("ok", open.RootElement.GetProperty("status").GetString());
        Assert.Single(open.RootElement.EnumerateObject());

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var full = JsonDocument.Parse(await client.GetStringAsync("/healthz"));
        Assert.Equal("cpu", full.RootElement.GetProperty("device").GetString());
    }

    private HubConnection Hub(string? accessToken) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, RunsHub.Path), options =>
            {
                options.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                if (accessToken is not null) options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            })
            .Build();
}
