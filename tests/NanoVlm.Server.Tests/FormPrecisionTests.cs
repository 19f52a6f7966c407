using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training;

namespace NanoVlm.Server.Tests;

/// <summary>
/// What the New run form says a run computes in is what the trainer computes in: the estimate's "computes in …" and
/// the precision option's note against the run's own "Run running" event and metrics, for every preset and precision.
/// </summary>
public sealed class FormPrecisionTests : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client;
    private readonly IRunLauncher _launcher;

    public FormPrecisionTests(DashboardFactory factory)
    {
        _client = factory.CreateClient();
        _launcher = factory.Services.GetRequiredService<IRunLauncher>();
    }

    public static TheoryData<string, string> TrainablePresets() => new()
    {
        // The tiny decoder (128 wide) and the small one (384) fall on either side of auto's bf16 threshold on a CPU with fast bf16.
        { "tiny", "auto" },
        { "small", "auto" },
        { "fp16-overflow", "auto" },
        { "fp16-overflow", "fp16" },
        { "tiny", "fp32" },
    };

    [Theory]
    [MemberData(nameof(TrainablePresets))]
    public async Task The_estimate_names_the_precision_the_run_trains_in(string preset, string precision)
    {
        var request = _launcher.DefaultsFor(preset) with
        {
            Name = $"{preset}-{precision}", Precision = precision, Steps = 1, BatchSize = 1, EvalInterval = 0, CheckpointInterval = 1,
        };
        var said = _launcher.Estimate(request).PrecisionNote;
        var option = _launcher.PrecisionOptions(request).Single(o => o.Value == precision);

        var run = await RunsApi.StartAsync(_client, request);
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(_client, run.Id)).Status is RunStatus.Completed or RunStatus.Failed, "the run to end");

        var trained = Assert.Single(await RunsApi.GetMetricsAsync(_client, run.Id)).Precision;
        Assert.Equal($"computes in {trained}", said);
        Assert.Equal(trained, run.Precision);
        if (precision == "auto") Assert.Contains($"computes in {trained}", option.Note, StringComparison.Ordinal);
        var running = (await RunsApi.GetEventsAsync(_client, run.Id)).Single(e => e.Message.StartsWith("Run running", StringComparison.Ordinal));
        Assert.Contains($", {trained},", running.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_preset_and_precision_the_form_offers_resolves_as_its_note_and_estimate_say()
    {
        foreach (var preset in _launcher.Presets)
        {
            foreach (var option in _launcher.PrecisionOptions(_launcher.DefaultsFor(preset)).Where(o => o.Enabled))
            {
                var request = _launcher.DefaultsFor(preset) with { Precision = option.Value };
                var note = _launcher.Estimate(request).PrecisionNote;
                Assert.StartsWith("computes in ", note, StringComparison.Ordinal);
                if (option.Value == "auto") Assert.Contains(note, option.Note, StringComparison.Ordinal);
                if (option.Value is "fp32" or "bf16") Assert.Equal($"computes in {option.Value}", note);
            }
        }
        Assert.Equal(TrainingPresets.Names, _launcher.Presets);
    }
}
