using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Layout;
using NanoVlm.Client.Services;
using NanoVlm.Client.Shell;

namespace NanoVlm.Client.Tests;

public sealed class ShellTests : IAsyncDisposable
{
    private readonly BunitContext _context = new();

    public ShellTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<ISystemSummaryProvider>(new FixedSummary(
            new SystemSummary("cpu", 2, "0.107.0", "2.10.0", "fp32 available, bf16 available (fast)")));
        _context.Services.AddSingleton<IRunUpdates>(new NoUpdates());
        _context.Services.AddSingleton<IRunQueries>(new NoRuns());
        _context.Services.AddSingleton(new AccessMode(SignInRequired: false));
    }

    // MudBlazor 9 components need the context disposed asynchronously.
    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void NavigationListsEverySectionInOrder()
    {
        var menu = _context.Render<NavMenu>();
        var links = menu.FindAll("a");
        Assert.Equal(["Runs", "New run", "Playground", "Models"], links.Select(a => a.TextContent.Trim()));
        Assert.Equal(["runs", "runs/new", "playground", "models"], links.Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public void SystemChipShowsDeviceAndThreadsFromTheProvider()
    {
        var chip = _context.Render<SystemChip>();
        Assert.Contains("CPU · 2 threads", chip.Find("[data-testid=system-chip]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void MainLayoutRendersAppBarNavigationAndBody()
    {
        var layout = _context.Render<MainLayout>(parameters => parameters
            .Add(p => p.Body, builder => builder.AddMarkupContent(0, "<p id=\"body\">page</p>")));
        Assert.Contains("NanoVlm", layout.Find(".mud-appbar").TextContent, StringComparison.Ordinal);
        Assert.Equal(4, layout.FindAll(".mud-nav-link").Count);
        Assert.Equal("page", layout.Find("#body").TextContent);
        // No access token, no session: nothing to sign out of.
        Assert.Empty(layout.FindAll("[data-testid=sign-out]"));
    }

    [Fact]
    public async Task APageThatThrowsShowsTheErrorAndTheLayoutKeepsWorking()
    {
        var layout = _context.Render<MainLayout>(parameters => parameters
            .Add(p => p.Body, builder =>
            {
                builder.OpenComponent<ThrowsOnClick>(0);
                builder.CloseComponent();
            }));
        await layout.Find("#boom").ClickAsync(new());
        Assert.Contains("a handler failed", layout.Find("[data-testid=page-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal(4, layout.FindAll(".mud-nav-link").Count);
        await layout.Find("[data-testid=page-error-retry]").ClickAsync(new());
        Assert.Single(layout.FindAll("#boom"));
    }

    /// <summary>A page whose button handler throws an exception nobody expected.</summary>
    private sealed class ThrowsOnClick : Microsoft.AspNetCore.Components.ComponentBase
    {
        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "button");
            builder.AddAttribute(1, "id", "boom");
            builder.AddAttribute(2, "onclick", Microsoft.AspNetCore.Components.EventCallback.Factory.Create(this, Fail));
            builder.AddContent(3, "Do it");
            builder.CloseElement();
        }

        private static void Fail() => throw new InvalidOperationException("a handler failed");
    }

    private sealed class NoRuns : IRunQueries
    {
        public IReadOnlyList<RunSummary> ListRuns() => [];

        public RunSummary? GetRun(string runId) => null;

        public IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1) => [];

        public IReadOnlyList<EvaluationSample> GetEvaluations(string runId) => [];

        public IReadOnlyList<RunEventInfo> GetEvents(string runId) => [];

        public IReadOnlyList<HeadroomSample> GetHeadroom(string runId) => [];
    }

    private sealed class NoUpdates : IRunUpdates
    {
        public IDisposable Subscribe(string? runId, Action<RunUpdate> handler) => new Subscription();

        private sealed class Subscription : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    private sealed class FixedSummary(SystemSummary summary) : ISystemSummaryProvider
    {
        public SystemSummary Current => summary;
    }
}
