using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Playground;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>
/// A newcomer's first hour: which model the playground opens with, and the empty states that offer to train the
/// starter model and then show its progress where the user is.
/// </summary>
public sealed class FirstHourTests : IAsyncDisposable
{
    private static readonly ModelChoice TinyPreset = new("preset:tiny", "tiny", "preset (random weights)", 3_200_000);

    private readonly BunitContext _context = new();
    private readonly RecordedRuns _runs = new();
    private readonly ListedModels _models = new(TinyPreset);
    private readonly StartingLauncher _launcher;

    public FirstHourTests()
    {
        _launcher = new StartingLauncher(_runs);
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IRunQueries>(_runs);
        _context.Services.AddSingleton<IRunUpdates>(_runs);
        _context.Services.AddSingleton<IRunLauncher>(_launcher);
        _context.Services.AddSingleton<IModelRegistry>(_models);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void TheDefaultIsTheBestCheckpointOfTheMostRecentlyCompletedRunNotTheNewestRunsRandomWeights()
    {
        ModelChoice[] models =
        [
            ListedModels.RunCheckpoint("20261203-090000-cc", "third", 0), // the newest run, still at its untrained checkpoint
            ListedModels.RunCheckpoint("20261202-090000-bb", "second", 0),
            ListedModels.RunCheckpoint("20261202-090000-bb", "second", 100, best: true),
            ListedModels.RunCheckpoint("20261202-090000-bb", "second", 200),
            ListedModels.RunCheckpoint("20261201-090000-aa", "first", 500, best: true),
            TinyPreset,
        ];
        RunSummary[] runs =
        [
            Run("20261203-090000-cc", RunStatus.Running, ended: null),
            Run("20261202-090000-bb", RunStatus.Completed, ended: DateTimeOffset.UtcNow.AddHours(-1)),
            Run("20261201-090000-aa", RunStatus.Completed, ended: DateTimeOffset.UtcNow.AddHours(-2)),
        ];
        Assert.Equal("second · step 100", TrainedModels.Default(models, runs)?.Name);
        // The completed run that ended last wins, whatever the order the runs are listed in.
        Assert.Equal("first · step 500", TrainedModels.Default(models, [runs[0], runs[1] with { EndedAt = DateTimeOffset.UtcNow.AddHours(-3) }, runs[2]])?.Name);
    }

    [Fact]
    public void WithoutACompletedRunTheNewestTrainedCheckpointIsTheDefaultAndStepZeroNeverIs()
    {
        ModelChoice[] models =
        [
            ListedModels.RunCheckpoint("20261203-090000-cc", "third", 0),
            ListedModels.RunCheckpoint("20261202-090000-bb", "second", 0),
            ListedModels.RunCheckpoint("20261202-090000-bb", "second", 250),
            TinyPreset,
        ];
        RunSummary[] runs = [Run("20261203-090000-cc", RunStatus.Running, null), Run("20261202-090000-bb", RunStatus.Cancelled, DateTimeOffset.UtcNow)];
        Assert.Equal("second · step 250", TrainedModels.Default(models, runs)?.Name);

        Assert.False(TrainedModels.Exist([models[0], TinyPreset]));
        var registered = new ModelChoice("checkpoint:/models/mine", "mine", "registered", 1) { Directory = "/models/mine" };
        Assert.True(TrainedModels.Exist([models[0], registered, TinyPreset]));
        Assert.Equal("mine", TrainedModels.Default([models[0], registered, TinyPreset], runs)?.Name);
    }

    [Fact]
    public void TheRunsPageOffersTheStarterModelAndShowsItsProgressUntilItsFirstCheckpointIsAModel()
    {
        var page = _context.Render<Pages.Runs>();
        Assert.Contains("No trained model yet", page.Find("[data-testid=starter-model]").TextContent, StringComparison.Ordinal);
        Assert.Contains("No runs yet", page.Markup, StringComparison.Ordinal);

        page.Find("button[data-testid=train-starter]").Click();
        var request = Assert.Single(_launcher.Started);
        Assert.Equal(("tiny", "starter model"), (request.Preset, request.Name));
        page.WaitForAssertion(() => Assert.Contains("starter model is queued: step 0 / 2500",
            Normalized(page.Find("[data-testid=starter-progress]").TextContent), StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=train-starter]"));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=runs-table] tbody tr")));

        // Training: the progress moves with the run, with the time left once two steps were seen.
        var run = _runs.ListRuns().Single();
        _runs.Publish(new RunUpdate.Metrics(run.Id, [Sample(100, 10), Sample(120, 12)]));
        _runs.Publish(new RunUpdate.Summary(run.Id, run with { Status = RunStatus.Running, Step = 120 }));
        page.WaitForAssertion(() => Assert.Contains("starter model is training: step 120 / 2500, about 3m 58s left",
            Normalized(page.Find("[data-testid=starter-progress]").TextContent), StringComparison.Ordinal));

        // Its first checkpoint after step 0 is a trained model: the empty state goes.
        _models.All.Add(ListedModels.RunCheckpoint(run.Id, run.Name, 250));
        _runs.Publish(new RunUpdate.Summary(run.Id, run with { Status = RunStatus.Running, Step = 251 }));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=starter-model]")));
    }

    [Fact]
    public void AStepZeroCheckpointIsNoTrainedModelButARegisteredOneIs()
    {
        _models.All.Add(ListedModels.RunCheckpoint("20261203-090000-cc", "third", 0));
        Assert.Contains("random weights", _context.Render<Models>().Find("[data-testid=starter-model]").TextContent, StringComparison.Ordinal);

        _models.All.Add(new ModelChoice("checkpoint:/models/mine", "mine", "registered", 1) { Directory = "/models/mine" });
        Assert.Empty(_context.Render<Models>().FindAll("[data-testid=starter-model]"));
        Assert.Empty(_context.Render<Pages.Runs>().FindAll("[data-testid=starter-model]"));
    }

    [Fact]
    public void WhileAnotherRunTrainsTheEmptyStateShowsThatRunRatherThanStartingASecond()
    {
        _runs.Add(Run("20261203-090000-cc", RunStatus.Running, null) with { Name = "my run", Step = 40, TotalSteps = 400 }, []);
        var page = _context.Render<Models>();
        Assert.Contains("my run is training: step 40 / 400", Normalized(page.Find("[data-testid=starter-progress]").TextContent), StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=train-starter]"));
    }

    private static string Normalized(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();

    private static RunSummary Run(string id, RunStatus status, DateTimeOffset? ended) =>
        new(id, id, status, "tiny", "fp32", 100, 100, null, null, DateTimeOffset.UtcNow.AddHours(-4), DateTimeOffset.UtcNow.AddHours(-4), ended, null);

    // 20 steps in 2 s: 2,380 steps left take 238 s.
    private static MetricSample Sample(long step, double seconds) => new(step, step * 100, seconds, 1, 1, 1e-3, 0, 1e-4, 1, 1000, "fp32", false);
}
