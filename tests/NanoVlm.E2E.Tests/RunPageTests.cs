using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NanoVlm.Client.Services;
using NanoVlm.Server.Live;
using NanoVlm.Server.Storage;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.E2E.Tests;

/// <summary>
/// The run page against the real store and publisher: the test plays the engine's part by recording metrics and
/// publishing updates exactly as the training service does.
/// </summary>
public sealed class RunPageTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    [Fact]
    public async Task RunPageDrawsRecordedCurvesAndAnAlertReachesEveryOpenTab()
    {
        var runId = SeedRun(steps: 40, nanAtStep: 30);
        var first = await dashboard.NewPageAsync(1400, 1000);
        var second = await dashboard.NewPageAsync();
        await first.GotoAsync(new Uri(dashboard.BaseAddress, $"runs/{runId}").ToString());
        await second.GotoAsync(new Uri(dashboard.BaseAddress, "runs").ToString());
        await Assertions.Expect(first.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        await Assertions.Expect(second.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);

        await Assertions.Expect(first.Locator("[data-testid=chart]")).ToHaveCountAsync(7); // six metric charts and the fp16 headroom
        await Assertions.Expect(first.Locator("[data-title='Train loss']")).ToContainTextAsync("non-finite (1)");
        await Assertions.Expect(first.Locator("[data-testid=step-counter]")).ToHaveTextAsync("Step 40 / 100");

        // Live: new metrics move the step counter; an alert shows in both tabs and stays in the panel.
        var publisher = dashboard.Services.GetRequiredService<RunUpdatePublisher>();
        var store = dashboard.Services.GetRequiredService<RunStore>();
        publisher.Publish(new RunUpdate.Metrics(runId, [Sample(41, double.NaN)]));
        publisher.Publish(new RunUpdate.Summary(runId, store.Update(runId, r => r.Step = 41)!));
        var alert = new RunEventInfo(runId, 41, DateTimeOffset.UtcNow, "nan", RunEventSeverity.Alert, "Loss is NaN: fp16 overflow in decoder.blocks.1.mlp",
            new Dictionary<string, string> { ["verdict"] = "precision overflow", ["module"] = "decoder.blocks.1.mlp", ["action"] = "switched to bf16" });
        store.AppendEvent(alert);
        publisher.Publish(new RunUpdate.Happened(runId, alert));

        await Assertions.Expect(first.Locator("[data-testid=step-counter]")).ToHaveTextAsync("Step 41 / 100");
        await Assertions.Expect(first.Locator("[data-title='Train loss']")).ToContainTextAsync("non-finite (2)");
        await Assertions.Expect(first.Locator(".mud-snackbar")).ToContainTextAsync("fp16 overflow");
        await Assertions.Expect(second.Locator(".mud-snackbar")).ToContainTextAsync("fp16 overflow");
        await Assertions.Expect(first.Locator("[data-testid=alert-panel]")).ToContainTextAsync("precision overflow");

        await first.ScreenshotAsync(new() { Path = Screenshots.PathOf("run-page-nan-alert.png"), FullPage = true });
        await first.CloseAsync();
        await second.CloseAsync();
    }

    [Fact]
    public async Task TwoRunsCanBeComparedFromTheRunsList()
    {
        var a = SeedRun(steps: 20, nanAtStep: null);
        var b = SeedRun(steps: 25, nanAtStep: null);
        var page = await dashboard.NewPageAsync();
        await page.GotoAsync(new Uri(dashboard.BaseAddress, "runs").ToString());
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        foreach (var id in new[] { a, b })
        {
            var row = page.Locator("tr", new() { Has = page.Locator($"a[href='runs/{id}']") });
            await row.Locator("input[type=checkbox]").CheckAsync();
        }
        await page.Locator("[data-testid=compare]").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/runs/compare", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("[data-testid=compare-table] tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=chart]")).ToHaveCountAsync(1);
        await page.CloseAsync();
    }

    private string SeedRun(int steps, int? nanAtStep)
    {
        var store = dashboard.Services.GetRequiredService<RunStore>();
        var id = Guid.NewGuid().ToString("N")[..10];
        store.Upsert(new RunDocument
        {
            Id = id, Name = $"run-{id[..4]}", Status = RunStatus.Running, Model = "tiny", Precision = "fp16", Step = steps, TotalSteps = 100,
            CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow.AddMinutes(-3),
        });
        store.AppendMetrics(Enumerable.Range(1, steps).Select(step => MetricDocument.From(id, Sample(step, step == nanAtStep ? double.NaN : 6.0 / Math.Sqrt(step)))));
        return id;
    }

    private static MetricSample Sample(long step, double loss) =>
        new(step, step * 4096, step * 0.4, loss, double.IsNaN(loss) ? double.NaN : 1.2, 1e-3, 0, 1e-4, 65536, 9000, "fp16", double.IsNaN(loss));
}
