using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Services;
using NanoVlm.Client.Shell;

namespace NanoVlm.Client.Tests;

/// <summary>The app bar's progress of the running run, fed as the training service feeds it.</summary>
public sealed class ActiveRunIndicatorTests : IAsyncDisposable
{
    private readonly BunitContext _context = new();
    private readonly RecordedRuns _runs = new();

    public ActiveRunIndicatorTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IRunQueries>(_runs);
        _context.Services.AddSingleton<IRunUpdates>(_runs);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void AfterAResumeTheEtaComesFromTheStepsSinceTheResume()
    {
        var indicator = _context.Render<ActiveRunIndicator>();
        // Cancelled at step 250 of 400, then resumed: the trainer's clock starts again near 0 while the step count
        // continues, so the whole run's average (step / elapsed) would be 130 steps a second.
        _runs.Publish(new RunUpdate.Summary("r", Run(RunStatus.Running, step: 250)));
        _runs.Publish(new RunUpdate.Metrics("r", [Sample(251, 1.0), Sample(252, 1.2), Sample(261, 3.0)]));

        // 10 steps in 2 s since the resume: 139 steps left take 27.8 s.
        indicator.WaitForAssertion(() => Assert.Contains("ETA 28s", indicator.Find("[data-testid=active-run]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void TheEtaStartsAfreshWhenTheRunIsResumedWhileThePageIsOpen()
    {
        var indicator = _context.Render<ActiveRunIndicator>();
        _runs.Publish(new RunUpdate.Summary("r", Run(RunStatus.Running, step: 0)));
        _runs.Publish(new RunUpdate.Metrics("r", [Sample(1, 1.0), Sample(101, 101.0)])); // 1 step a second
        _runs.Publish(new RunUpdate.Summary("r", Run(RunStatus.Cancelled, step: 101)));
        _runs.Publish(new RunUpdate.Summary("r", Run(RunStatus.Running, step: 100)));
        _runs.Publish(new RunUpdate.Metrics("r", [Sample(101, 100.5), Sample(121, 104.5)])); // 5 steps a second since the resume

        // 279 steps left at 5 a second.
        indicator.WaitForAssertion(() => Assert.Contains("ETA 56s", indicator.Find("[data-testid=active-run]").TextContent, StringComparison.Ordinal));
    }

    private static RunSummary Run(RunStatus status, long step) =>
        new("r", "resumed", status, "tiny", "fp32", step, 400, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, null);

    private static MetricSample Sample(long step, double elapsed) => new(step, step * 100, elapsed, 2.0, 1, 1e-3, 0, 1e-4, 1, 1000, "fp32", false);
}
