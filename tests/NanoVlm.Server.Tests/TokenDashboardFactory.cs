using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace NanoVlm.Server.Tests;

/// <summary>The real server with an access token set, its log kept for inspection.</summary>
public class TokenDashboardFactory : DashboardFactoryBase
{
    public const string Token = "test-token-0123456789abcdef";

    public LogCapture Log { get; } = new();

    protected virtual int MaxFailedAttempts => 50;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Access:Token", Token);
        builder.UseSetting("Access:MaxFailedAttempts", MaxFailedAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Access:FailedAttemptWindowSeconds", "3600");
        builder.ConfigureLogging(logging => logging.AddProvider(Log));
    }

    /// <summary>A browser-like client: keeps cookies, does not follow redirects (so tests can see them).</summary>
    public HttpClient CreateBrowser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The sign-in form's hidden antiforgery field (name and value) from the HTML of GET /login.</summary>
    public static (string Name, string Value) AntiforgeryField(string html)
    {
        var match = Regex.Match(html, "<input type=\"hidden\" name=\"(__[^\"]+)\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "the sign-in page has no antiforgery field");
        return (match.Groups[1].Value, System.Net.WebUtility.HtmlDecode(match.Groups[2].Value));
    }
}

/// <summary>With a low failed-attempt limit, for the rate-limit tests.</summary>
public sealed class LowLimitTokenDashboardFactory : TokenDashboardFactory
{
    public const int Limit = 3;

    protected override int MaxFailedAttempts => Limit;
}
