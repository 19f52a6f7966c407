using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>Run pages fed by an in-memory recorded run and a channel of updates, as the server's store and publisher would.</summary>
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
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void RunPageShowsSixChartsAndMarksTheNaNStep()
    {
        _runs.Add(Run("r1"), Enumerable.Range(1, 30).Select(step => Sample(step, step == 12 ? double.NaN : 3.0 / step)));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, "r1"));
        Assert.Equal(6, page.FindAll("[data-testid=chart]").Count);
        Assert.Contains("non-finite (1)", page.Find("[data-title='Train loss']").InnerHtml, StringComparison.Ordinal);
        Assert.Contains("Step 30 / 100", page.Find("[data-testid=step-counter]").TextContent, StringComparison.Ordinal);
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

    private static RunSummary Run(string id) =>
        new(id, id, RunStatus.Running, "tiny", "fp32", 30, 100, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, null);

    private static MetricSample Sample(long step, double loss) => new(step, step * 100, step, loss, 1, 1e-3, 1e-4, 1e-4, 1, 1000, "fp32", double.IsNaN(loss));

    /// <summary>Run controls for recorded runs that have no checkpoints: nothing to resume or open.</summary>
    private sealed class StoppedRunsLauncher : IRunLauncher
    {
        public IReadOnlyList<string> Presets => ["tiny"];

        public IReadOnlyList<PrecisionOption> PrecisionOptions => [new("fp32", "fp32", true, null)];

        public RunRequest DefaultsFor(string preset) => new();

        public IReadOnlyDictionary<string, string[]> Validate(RunRequest request) => new Dictionary<string, string[]>();

        public RunEstimate Estimate(RunRequest request) => new(0, 1, "", null, "fp32", 0);

        public RunSummary Start(RunRequest request) => throw new InvalidOperationException("Component tests start no runs.");

        public bool Cancel(string runId) => false;

        public RunSummary ResumeRun(string runId, string? precision = null, bool halveMicroBatch = false) =>
            throw new InvalidOperationException("Component tests resume no runs.");

        public IReadOnlyList<(int Step, string ModelId)> Checkpoints(string runId) => [];
    }

    private sealed class RecordedRuns : IRunQueries, IRunUpdates
    {
        private readonly Dictionary<string, (RunSummary Run, List<MetricSample> Metrics)> _runs = [];

        public List<RunEventInfo> Events { get; } = [];

        public void Add(RunSummary run, IEnumerable<MetricSample> metrics) => _runs[run.Id] = (run, [.. metrics]);

        public IReadOnlyList<RunSummary> ListRuns() => [.. _runs.Values.Select(v => v.Run)];

        public RunSummary? GetRun(string runId) => _runs.TryGetValue(runId, out var entry) ? entry.Run : null;

        public IReadOnlyList<MetricSample> GetMetrics(string runId, long afterStep = -1) =>
            _runs.TryGetValue(runId, out var entry) ? [.. entry.Metrics.Where(m => m.Step > afterStep)] : [];

        public IReadOnlyList<EvaluationSample> GetEvaluations(string runId) => [];

        public IReadOnlyList<RunEventInfo> GetEvents(string runId) => [.. Events.Where(e => e.RunId == runId)];

        public IDisposable Subscribe(string? runId, Action<RunUpdate> handler) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
