using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Server.Access;
using NanoVlm.Server.Cli;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Tests;

public sealed class AccessStartupTests
{
    private const string GoodToken = "0123456789abcdef0123";

    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5080")]
    [InlineData("http://[::1]:5080")]
    [InlineData("http://127.0.0.2:5080;https://localhost:5443")]
    [InlineData("http://unix:/tmp/nanovlm.sock")]
    public void LoopbackAddressesStartWithoutAToken(string urls) =>
        Assert.Null(AccessStartupCheck.Problem(Configuration(("urls", urls))));

    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://+:5080")]
    [InlineData("http://[::]:5080")]
    [InlineData("http://192.168.1.20:5080")]
    [InlineData("http://dashboard.example:5080")]
    [InlineData("http://127.0.0.1:5080;http://0.0.0.0:5081")]
    public void OtherAddressesWithoutATokenAreRefusedWithHowToSetOne(string urls)
    {
        var problem = AccessStartupCheck.Problem(Configuration(("urls", urls)));
        Assert.NotNull(problem);
        Assert.Contains("no access token is set", problem, StringComparison.Ordinal);
        Assert.Contains("Access__Token", problem, StringComparison.Ordinal);
        Assert.Contains("--urls http://127.0.0.1:5080", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("http://127.0.0.1:5080;", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void KestrelEndpointsAndBarePortsCountToo()
    {
        var endpoint = AccessStartupCheck.Problem(Configuration(("urls", "http://127.0.0.1:5080"), ("Kestrel:Endpoints:Lan:Url", "http://10.1.2.3:6000")));
        Assert.Contains("http://10.1.2.3:6000", endpoint, StringComparison.Ordinal);
        var ports = AccessStartupCheck.Problem(Configuration(("http_ports", "8080")));
        Assert.Contains("http://*:8080", ports, StringComparison.Ordinal);
        // Kestrel ignores bare ports when urls are set, and so does the check.
        Assert.Null(AccessStartupCheck.Problem(Configuration(("urls", "http://127.0.0.1:5080"), ("http_ports", "8080"))));
    }

    [Fact]
    public void ATokenAllowsEveryAddress() =>
        Assert.Null(AccessStartupCheck.Problem(Configuration(("urls", "http://0.0.0.0:5080"), ("Access:Token", GoodToken))));

    [Theory]
    [InlineData("short-token")]
    [InlineData("has a space in the middle")]
    [InlineData("tab\tinside-a-long-token")]
    public void AnUnusableTokenIsRefusedEvenOnLoopback(string token)
    {
        var problem = AccessStartupCheck.Problem(Configuration(("urls", "http://127.0.0.1:5080"), ("Access:Token", token)));
        Assert.NotNull(problem);
        Assert.Contains("Access:Token", problem, StringComparison.Ordinal);
        Assert.Contains("openssl rand -hex 24", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHostBuilderRefusesAnExposedAddressWithoutAToken()
    {
        var dataDir = TempDataDir();
        var e = Assert.Throws<AccessConfigurationException>(() => ServerHost.Build(["--urls", "http://0.0.0.0:5999", $"--Storage:DataDir={dataDir}"]));
        Assert.Contains("http://0.0.0.0:5999", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheExecutableExitsWithAMessageAndNoStackTrace()
    {
        var dataDir = TempDataDir();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.RunAsync(["--urls", "http://0.0.0.0:5999", $"--Storage:DataDir={dataDir}"], output, error);
        Assert.Equal(CommandLine.Failure, code);
        var text = error.ToString();
        Assert.StartsWith("error: The server is set to listen on http://0.0.0.0:5999", text, StringComparison.Ordinal);
        Assert.Contains("Access__Token", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "nothing may be written before the refusal");
    }

    [Fact]
    public async Task WithATokenTheServerListensOnAllInterfacesAndRequiresIt()
    {
        var dataDir = TempDataDir();
        await using var app = ServerHost.Build([
            // The test host is the entry assembly; the server's static assets are listed under its own name.
            "--applicationName=NanoVlm.Server", "--urls", "http://0.0.0.0:0", $"--Access:Token={GoodToken}", $"--Storage:DataDir={dataDir}", "--Engine:Threads=1"]);
        try
        {
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var port = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            using (var refused = await client.GetAsync("/api/runs"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GoodToken);
            using var served = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static string TempDataDir() => Path.Combine(Path.GetTempPath(), "nanovlm-tests", Guid.NewGuid().ToString("N"));
}
