using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NanoVlm.Client.Services;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Tests;

public sealed class SecurityHeadersTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/runs/new")]
    [InlineData("/healthz")]
    [InlineData("/api/runs")]
    [InlineData("/api/runs/no-such-run")]
    [InlineData("/no/such/page")]
    [InlineData("/css/site.css")]
    [InlineData("/_framework/blazor.web.js")]
    public async Task EveryResponseCarriesTheSecurityHeaders(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(path);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task TheContentSecurityPolicyAllowsOnlyThisSitesScriptsAndNoFraming()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/");
        var policy = Header(response, "Content-Security-Policy");
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        // The shell's scripts are all files of this site, so the policy does not block them.
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)", html);
    }

    [Theory]
    [InlineData("/css/")]
    [InlineData("/_content/MudBlazor/")]
    [InlineData("/_framework/")]
    public async Task FoldersAreNotListed(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("site.css", body, StringComparison.Ordinal);
        Assert.DoesNotContain("MudBlazor.min.js", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task AServerErrorIsAProblemWithoutStackTraceOrExceptionDetails(string environment)
    {
        await using var failing = new FailingQueriesFactory(environment);
        using var client = failing.CreateClient();
        using var response = await client.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(FailingRunQueries.Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        AssertSecurityHeaders(response);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, Header(response, "Content-Security-Policy"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri} has no {name} header");

    /// <summary>The real server whose run queries fail, as a broken database would, to see what a 500 reveals.</summary>
    private sealed class FailingQueriesFactory(string environment) : DashboardFactoryBase
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment(environment);
            builder.ConfigureServices(services => services.AddSingleton<IRunQueries, FailingRunQueries>());
        }
    }

    private sealed class FailingRunQueries : IRunQueries
    {
        public const string Secret = "/home/someone/secret-folder/runs.db";

        public IReadOnlyList<RunSummary> ListRuns() => throw new InvalidOperationException($"The database {Secret} is corrupt.");

        public RunSummary? GetRun(string runId) => throw new InvalidOperationException(Secret);

        public IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1) => throw new InvalidOperationException(Secret);

        public IReadOnlyList<EvaluationSample> GetEvaluations(string runId) => throw new InvalidOperationException(Secret);

        public IReadOnlyList<RunEventInfo> GetEvents(string runId) => throw new InvalidOperationException(Secret);

        public IReadOnlyList<HeadroomSample> GetHeadroom(string runId) => throw new InvalidOperationException(Secret);
    }
}
