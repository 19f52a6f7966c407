using System.Net;
using Microsoft.AspNetCore.Http;

namespace NanoVlm.Server.Tests;

public sealed class AccessRateLimitTests(LowLimitTokenDashboardFactory factory) : IClassFixture<LowLimitTokenDashboardFactory>
{
    private const int Limit = LowLimitTokenDashboardFactory.Limit;

    [Fact]
    public async Task AfterTheLimitOfWrongTokensAnAddressIsRefusedEvenWithTheRightOneButOthersAreNot()
    {
        for (var i = 0; i < Limit; i++)
        {
            Assert.Equal(StatusCodes.Status401Unauthorized, (await Send("10.0.0.7", "/api/runs", "wrong-token-wrong-token")).Response.StatusCode);
        }
        var refused = await Send("10.0.0.7", "/api/runs", TokenDashboardFactory.Token);
        Assert.Equal(StatusCodes.Status429TooManyRequests, refused.Response.StatusCode);
        Assert.Equal("3600", refused.Response.Headers.RetryAfter.ToString());

        Assert.Equal(StatusCodes.Status200OK, (await Send("10.0.0.8", "/api/runs", TokenDashboardFactory.Token)).Response.StatusCode);
        Assert.Contains(factory.Log.Entries, e => e.EventId.Id == 8102 && e.Message.Contains("10.0.0.7", StringComparison.Ordinal));
        Assert.Contains(factory.Log.Entries, e => e.EventId.Id == 8103 && e.Message.Contains("10.0.0.7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongTokensInTheSignInFormCountToo()
    {
        const string address = "10.0.0.9";
        for (var i = 0; i < Limit; i++)
        {
            Assert.Equal(StatusCodes.Status401Unauthorized, (await SignIn(address, "wrong-token-wrong-token")).Response.StatusCode);
        }
        var refused = await SignIn(address, TokenDashboardFactory.Token);
        Assert.Equal(StatusCodes.Status429TooManyRequests, refused.Response.StatusCode);
        Assert.Equal(StatusCodes.Status302Found, (await SignIn("10.0.0.10", TokenDashboardFactory.Token)).Response.StatusCode);
    }

    private Task<HttpContext> Send(string address, string path, string token) =>
        factory.Server.SendAsync(context =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Parse(address);
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = path;
            context.Request.Headers.Authorization = $"Bearer {token}";
        });

    /// <summary>The sign-in form as a browser at <paramref name="address"/> submits it: GET the form, POST it back with its cookie.</summary>
    private async Task<HttpContext> SignIn(string address, string token)
    {
        var form = await factory.Server.SendAsync(context =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Parse(address);
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = "/login";
        });
        var html = await new StreamReader(form.Response.Body).ReadToEndAsync();
        var (field, value) = TokenDashboardFactory.AntiforgeryField(html);
        var cookies = string.Join("; ", form.Response.Headers.SetCookie.Select(c => c!.Split(';')[0]));
        return await factory.Server.SendAsync(context =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Parse(address);
            context.Request.Method = HttpMethods.Post;
            context.Request.Path = "/login";
            context.Request.Headers.Cookie = cookies;
            context.Request.ContentType = "application/x-www-form-urlencoded";
            var body = $"token={Uri.EscapeDataString(token)}&returnUrl=%2F&{Uri.EscapeDataString(field)}={Uri.EscapeDataString(value)}";
            context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body));
            context.Request.ContentLength = context.Request.Body.Length;
        });
    }
}
