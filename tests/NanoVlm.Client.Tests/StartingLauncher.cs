using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>
/// A launcher that queues what it is asked to start into <see cref="RecordedRuns"/> and publishes its summary, as the
/// server's launcher and training service would; it trains nothing (the test publishes the run's progress).
/// </summary>
internal sealed class StartingLauncher(RecordedRuns runs) : IRunLauncher
{
    public List<RunRequest> Started { get; } = [];

    public IReadOnlyList<string> Presets => ["tiny"];

    public IReadOnlyList<PrecisionOption> PrecisionOptions(RunRequest request) => [new("fp32", "fp32", true, null)];

    public RunRequest DefaultsFor(string preset) => new() { Preset = preset, Steps = 2500 };

    public IReadOnlyList<EngineOption> EngineOptions() => [new("in-process", "In this server (TorchSharp)", true, null)];

    public IReadOnlyList<StartChoice> StartChoices() => [new("preset:tiny", "tiny", "Presets (from scratch)", 0)];

    public RunRequest DefaultsForInit(string init) => throw new ArgumentException("no models here");

    public IReadOnlyDictionary<string, string[]> Validate(RunRequest request) => new Dictionary<string, string[]>();

    public RunEstimate Estimate(RunRequest request) => new(0, 1, "", null, "fp32", 0);

    public RunSummary Start(RunRequest request)
    {
        Started.Add(request);
        var run = new RunSummary($"20261203-1400{Started.Count:00}-st", request.Name, RunStatus.Queued, request.Preset, "fp32", 0, request.Steps,
            null, null, DateTimeOffset.UtcNow, null, null, null);
        runs.Add(run, []);
        runs.Publish(new RunUpdate.Summary(run.Id, run));
        return run;
    }

    public bool Cancel(string runId) => false;

    public RunSummary ResumeRun(string runId, string? precision = null, bool halveMicroBatch = false) =>
        throw new InvalidOperationException("Component tests resume no runs.");

    public IReadOnlyList<(int Step, string ModelId)> Checkpoints(string runId) => [];
}
