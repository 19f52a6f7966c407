using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Charts;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>Run pages fed by an in-memory recorded run and a list of live subscribers, as the server's store and publisher would.</summary>
public sealed class RunPagesTests : IAsyncDisposable
{
    private readonly BunitContext _context = new();
    private readonly RecordedRuns _runs = new();

    public RunPagesTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IRunQueries>(_runs);
        _context.Services.AddSingleton<IRunUpdates>(_runs);
        _context.Services.AddSingleton<IRunLauncher>(new StoppedRunsLauncher());
        _context.Services.AddSingleton<IModelRegistry>(new ListedModels());
        _context.Services.AddSingleton<ISystemMetricsProvider>(new SystemPanelTests.Samples(SystemPanelTests.CpuOnly(25)));
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void RunPageShowsSixChartsWithoutALossScaleForAnFp32RunAndMarksTheNaNStep()
    {
        _runs.Add(Run("r1"), Enumerable.Range(1, 30).Select(step => Sample(step, step == 12 ? double.NaN : 3.0 / step)));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r1"));
        Assert.Equal(6, page.FindAll("[data-testid=chart]").Count);
        Assert.Empty(page.FindAll("[data-title='Loss scale']"));
        Assert.Contains("non-finite (1)", page.Find("[data-title='Train loss']").InnerHtml, StringComparison.Ordinal);
        Assert.Contains("Step 30 / 100", page.Find("[data-testid=step-counter]").TextContent, StringComparison.Ordinal);
        Assert.Contains("CPU only", page.Find("[data-testid=system-panel]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AnFp16RunShowsItsLossScaleChart()
    {
        _runs.Add(Run("r16") with { Precision = "fp16" }, Enumerable.Range(1, 30).Select(step => Sample(step, 2.0) with { Precision = "fp16", LossScale = 65536 }));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r16"));
        Assert.Equal(7, page.FindAll("[data-testid=chart]").Count);
        Assert.Single(page.FindAll("[data-title='Loss scale']"));
    }

    [Fact]
    public void ChartsComeFirstAndOnlyTheLatestAlertIsOpenWithTheEarlierOnesFolded()
    {
        _runs.Add(Run("r6"), Enumerable.Range(1, 30).Select(step => Sample(step, 2.0)));
        for (var step = 5; step <= 25; step += 5)
        {
            _runs.Events.Add(new RunEventInfo("r6", step, DateTimeOffset.UtcNow, "spike", RunEventSeverity.Warning, $"Loss spike at step {step}",
                new Dictionary<string, string> { ["verdict"] = $"verdict {step}" }));
        }
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r6"));
        var markup = page.Markup;
        Assert.True(markup.IndexOf("data-title=\"Throughput\"", StringComparison.Ordinal) < markup.IndexOf("data-testid=\"alert-panel\"", StringComparison.Ordinal),
            "every chart comes before the alerts");
        var panel = page.Find("[data-testid=alert-panel]");
        Assert.Contains("verdict 25", panel.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("verdict 20", panel.TextContent, StringComparison.Ordinal);

        page.Find("[data-testid=earlier-alerts]").Click();
        for (var step = 5; step <= 20; step += 5)
        {
            Assert.Contains($"verdict {step}", page.Find("[data-testid=alert-panel]").TextContent, StringComparison.Ordinal);
        }
        page.Find("[data-testid=earlier-alerts]").Click();
        Assert.DoesNotContain("verdict 5", page.Find("[data-testid=alert-panel]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownRunSaysSo()
    {
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "missing"));
        Assert.Contains("Run not found", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void AlertsAppearInThePanelWithTheirDiagnosis()
    {
        _runs.Add(Run("r2"), [Sample(1, 2.0)]);
        _runs.Events.Add(new RunEventInfo("r2", 1, DateTimeOffset.UtcNow, "nan", RunEventSeverity.Alert, "Loss is NaN",
            new Dictionary<string, string> { ["verdict"] = "precision overflow" }));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r2"));
        Assert.Contains("precision overflow", page.Find("[data-testid=alert-panel]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void APinIsListedOnThePageAnnotatedOnTheChartsAndTheNaNAlertShowsItsFlightRecorder()
    {
        _runs.Add(Run("r6"), Enumerable.Range(1, 30).Select(step => Sample(step, 2.0)));
        var recorder = """
            [{"step":10,"status":"applied","loss":2.5,"grad_norm":1.5,"loss_scale":65536,"precision":"fp16-emulated","modules":[{"module":"decoder.blocks.0.mlp.down_proj","max_abs":40450}],"sample_ids":["train-0-40","train-0-41"]},
             {"step":11,"status":"failed","loss":"NaN","grad_norm":"NaN","loss_scale":65536,"precision":"fp16-emulated","modules":[{"module":"decoder.blocks.0.mlp.down_proj","max_abs":"Infinity"}],"sample_ids":["train-0-44","train-0-45"]}]
            """;
        _runs.Events.Add(new RunEventInfo("r6", 11, DateTimeOffset.UtcNow, "nan", RunEventSeverity.Alert, "Non-finite loss at step 11",
            new Dictionary<string, string> { ["verdict"] = "precision overflow", [FlightRecordInfo.DetailsKey] = recorder }));
        _runs.Events.Add(new RunEventInfo("r6", 10, DateTimeOffset.UtcNow, "pin", RunEventSeverity.Warning, "Pinned decoder.blocks.0.mlp.down_proj to float32",
            new Dictionary<string, string> { ["pinned"] = "decoder.blocks.0.mlp.down_proj", ["added"] = "decoder.blocks.0.mlp.down_proj" }));

        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r6"));

        Assert.Contains("decoder.blocks.0.mlp.down_proj", page.Find("[data-testid=pinned-modules]").TextContent, StringComparison.Ordinal);
        Assert.Contains("pin down_proj", page.Find("[data-title='Train loss']").InnerHtml, StringComparison.Ordinal);
        var rows = page.FindAll("[data-testid=flight-recorder] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("failed", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("NaN", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("train-0-40", rows[0].TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("\"grad_norm\"", page.Find("[data-testid=alert-panel]").TextContent, StringComparison.Ordinal); // not shown as raw JSON
        Assert.Single(page.FindAll("[data-testid=flight-recorder-chart] line"));
    }

    [Fact]
    public void HeadroomChartShowsRecordedMeasurementsAndThenLiveOnesWithTheWarningLine()
    {
        _runs.Add(Run("r3"), Enumerable.Range(1, 30).Select(step => Sample(step, 2.0)));
        _runs.Headroom.Add(Headroom(1, ("decoder.blocks.0.mlp.down_proj", 900), ("vision.patch_embedding", 4000)));
        _runs.Headroom.Add(Headroom(11, ("decoder.blocks.0.mlp.down_proj", 300), ("vision.patch_embedding", 3900)));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r3"));
        var chart = page.Find($"[data-title='{HeadroomChart.Title}']").InnerHtml;
        Assert.Contains("decoder.blocks.0.mlp.down_proj", chart, StringComparison.Ordinal);
        Assert.Contains("warning 8×", chart, StringComparison.Ordinal);
        Assert.DoesNotContain("non-finite", chart, StringComparison.Ordinal);

        // A later measurement arrives live: a module's output was already non-finite (headroom 0).
        _runs.Publish(new RunUpdate.Headroom("r3", Headroom(21, ("decoder.blocks.0.mlp.down_proj", 0), ("vision.patch_embedding", 3800))));
        page.WaitForAssertion(() => Assert.Contains("non-finite (1)", page.Find($"[data-title='{HeadroomChart.Title}']").InnerHtml, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void RollbackDropsTheAbandonedStepsFromTheLiveCurves()
    {
        _runs.Add(Run("r4"), Enumerable.Range(1, 30).Select(step => Sample(step, step == 30 ? double.NaN : 2.0)));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r4"));
        Assert.Contains("non-finite (1)", page.Find("[data-title='Train loss']").InnerHtml, StringComparison.Ordinal);

        _runs.Publish(new RunUpdate.Happened("r4", new RunEventInfo("r4", 25, DateTimeOffset.UtcNow, "rollback", RunEventSeverity.Warning,
            "Rolled back from step 30 to 25", new Dictionary<string, string>())));
        page.WaitForAssertion(() =>
        {
            var chart = page.Find("[data-title='Train loss']").InnerHtml;
            Assert.DoesNotContain("non-finite", chart, StringComparison.Ordinal);
            Assert.Contains("rollback", chart, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void AReversedStepRangeIsNamedAndTheChartsStayDrawn()
    {
        _runs.Add(Run("r5"), Enumerable.Range(1, 400).Select(step => Sample(step, 3.0 / step)));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r5"));
        RangeField(page, "From step").Find("input").Change("300");
        RangeField(page, "To step").Find("input").Change("100");

        page.WaitForAssertion(() => Assert.Equal("From step 300 is after To step 100: swap them, or clear one of the two.",
            page.Find("[data-testid=range-problem]").TextContent.Trim()), TimeSpan.FromSeconds(30));
        var loss = page.Find("[data-title='Train loss']").InnerHtml;
        Assert.DoesNotContain("no data yet", loss, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing recorded", loss, StringComparison.Ordinal);

        // Swapped, the range applies and the warning goes.
        RangeField(page, "From step").Find("input").Change("100");
        RangeField(page, "To step").Find("input").Change("300");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=range-problem]")), TimeSpan.FromSeconds(30));
    }

    private static IRenderedComponent<MudBlazor.MudNumericField<long?>> RangeField(IRenderedComponent<RunDetails> page, string label) =>
        page.FindComponents<MudBlazor.MudNumericField<long?>>().Single(f => f.Instance.Label == label);

    private static RunSummary Run(string id) =>
        new(id, id, RunStatus.Running, "tiny", "fp32", 30, 100, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, null);

    private static MetricSample Sample(long step, double loss) => new(step, step * 100, step, loss, 1, 1e-3, 1e-4, 1e-4, 1, 1000, "fp32", double.IsNaN(loss));

    private static HeadroomSample Headroom(long step, params (string Module, double Headroom)[] modules) =>
        new(step, 8, [.. modules.Select(m => new ModuleHeadroomInfo(m.Module, m.Headroom > 0 ? 65504 / m.Headroom : double.PositiveInfinity, m.Headroom))]);

    /// <summary>Run controls for recorded runs that have no checkpoints: nothing to resume or open.</summary>
    private sealed class StoppedRunsLauncher : IRunLauncher
    {
        public IReadOnlyList<string> Presets => ["tiny"];

        public IReadOnlyList<PrecisionOption> PrecisionOptions(RunRequest request) => [new("fp32", "fp32", true, null)];

        public RunRequest DefaultsFor(string preset) => new();

        public IReadOnlyList<EngineOption> EngineOptions() => [new("in-process", "In this server (TorchSharp)", true, null)];

        public IReadOnlyList<StartChoice> StartChoices() => [new("preset:tiny", "tiny", "Presets (from scratch)", 0)];

        public RunRequest DefaultsForInit(string init) => throw new ArgumentException("no models here");

        public IReadOnlyDictionary<string, string[]> Validate(RunRequest request) => new Dictionary<string, string[]>();

        public RunEstimate Estimate(RunRequest request) => new(0, 1, "", null, "fp32", 0);

        public RunSummary Start(RunRequest request) => throw new InvalidOperationException("Component tests start no runs.");

        public bool Cancel(string runId) => false;

        public RunSummary ResumeRun(string runId, string? precision = null, bool halveMicroBatch = false) =>
            throw new InvalidOperationException("Component tests resume no runs.");

        public IReadOnlyList<(int Step, string ModelId)> Checkpoints(string runId) => [];
    }
}
