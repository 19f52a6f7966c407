using System.Net;
using System.Net.Http.Json;
using NanoVlm.Server.Endpoints;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Tests;

public sealed class HostTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task HealthzReportsDeviceAndLibraryVersions()
    {
        using var client = factory.CreateClient();
        var report = await client.GetFromJsonAsync<HealthEndpoint.HealthReport>("/healthz");
        Assert.NotNull(report);
        Assert.Equal("ok", report.Status);
        Assert.Equal("cpu", report.Device);
        Assert.Equal(1, report.Threads);
        Assert.StartsWith("0.107", report.TorchSharp, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+", report.LibTorch);
    }

    [Fact]
    public async Task ShellIsPrerenderedWithNavigationAndMudBlazorAssets()
    {
        using var client = factory.CreateClient();
        var html = await client.GetStringAsync("/");
        Assert.Contains("_content/MudBlazor/MudBlazor.min.", html, StringComparison.Ordinal);
        Assert.Contains("_framework/blazor.web.", html, StringComparison.Ordinal);
        foreach (var section in new[] { "Runs", "New run", "Playground", "Models" })
        {
            Assert.Contains(section, html, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css")]
    [InlineData("/_framework/blazor.web.js")]
    [InlineData("/css/site.css")]
    [InlineData("/favicon.svg")]
    public async Task StaticAssetsAreServed(string path)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPageIsA404WithTheNotFoundPage()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/no/such/page");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Nothing here", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataFolderIsCreatedAndLockedWhileServing()
    {
        using var client = factory.CreateClient();
        await client.GetAsync("/healthz");
        Assert.True(File.Exists(Path.Combine(factory.DataDir, DataDirectory.LockFileName)));
    }
}
