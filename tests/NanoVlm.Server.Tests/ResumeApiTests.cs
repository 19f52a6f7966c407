using System.Net;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Tests;

/// <summary>
/// Resume as the run page's buttons and the API use it: the precision and batch a resume asks for are what the run
/// computes in afterwards; training time and events continue at the resumed step; a completed run is not resumable.
/// </summary>
public sealed class ResumeApiTests : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client;

    public ResumeApiTests(DashboardFactory factory) => _client = factory.CreateClient();

    [Fact]
    public async Task Resume_in_bf16_computes_in_bf16_from_the_checkpoint_on_and_its_clock_continues()
    {
        var (runId, checkpointStep) = await StartAndCancelAsync("resume-bf16");
        var before = await RunsApi.GetMetricsAsync(_client, runId);
        var elapsedAtCheckpoint = before.Single(m => m.Step == checkpointStep).ElapsedSeconds;

        using (var resume = await _client.PostAsync(new Uri($"/api/runs/{runId}/resume?precision=bf16", UriKind.Relative), null))
        {
            Assert.True(resume.StatusCode == HttpStatusCode.Accepted, await resume.Content.ReadAsStringAsync());
        }
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetMetricsAsync(_client, runId, checkpointStep + 2)).Count > 0,
            "two steps after the resume");

        var after = await RunsApi.GetMetricsAsync(_client, runId, checkpointStep);
        Assert.All(after, m => Assert.Equal("bf16", m.Precision));
        Assert.Equal("bf16", (await RunsApi.GetRunAsync(_client, runId)).Precision);
        // Wall time continues from the checkpoint's rather than restarting at 0 (the curves' time axis relies on it).
        Assert.True(after[0].ElapsedSeconds > elapsedAtCheckpoint, $"elapsed {after[0].ElapsedSeconds} s after the resume, {elapsedAtCheckpoint} s at the checkpoint");

        var events = await RunsApi.GetEventsAsync(_client, runId);
        Assert.Contains(events, e => e.Kind == "resume" && e.Step == checkpointStep && e.Message.Contains("in bf16", StringComparison.Ordinal));
        var requeued = events.Last(e => e.Kind == "state" && e.Message.StartsWith("Run queued", StringComparison.Ordinal));
        Assert.Equal(checkpointStep, requeued.Step);
        Assert.Contains(events, e => e.Kind == "state" && e.Step == checkpointStep && e.Message.Contains("bf16", StringComparison.Ordinal)
                                     && e.Message.StartsWith("Run running", StringComparison.Ordinal));
        await _client.PostAsync(new Uri($"/api/runs/{runId}/cancel", UriKind.Relative), null);
    }

    [Fact]
    public async Task Resume_in_fp32_with_half_the_batch_halves_the_micro_batch_and_doubles_accumulation()
    {
        var (runId, checkpointStep) = await StartAndCancelAsync("resume-half");

        using (var resume = await _client.PostAsync(new Uri($"/api/runs/{runId}/resume?precision=fp32&halveBatch=true", UriKind.Relative), null))
        {
            Assert.True(resume.StatusCode == HttpStatusCode.Accepted, await resume.Content.ReadAsStringAsync());
        }
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetMetricsAsync(_client, runId, checkpointStep)).Count > 0, "a step after the resume");

        var events = await RunsApi.GetEventsAsync(_client, runId);
        Assert.Contains(events, e => e.Kind == "state" && e.Step == checkpointStep && e.Message.Contains("micro-batch 1 × 2", StringComparison.Ordinal));
        Assert.All(await RunsApi.GetMetricsAsync(_client, runId, checkpointStep), m => Assert.Equal("fp32", m.Precision));
        await _client.PostAsync(new Uri($"/api/runs/{runId}/cancel", UriKind.Relative), null);
    }

    [Fact]
    public async Task A_completed_run_is_not_resumable_and_is_left_exactly_as_it_was()
    {
        var run = await RunsApi.StartAsync(_client, RunsApi.TinyRun("complete", steps: 3, checkpointInterval: 3));
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(_client, run.Id)).Status == RunStatus.Completed, "the run to complete");
        var before = await RunsApi.GetRunAsync(_client, run.Id);
        var eventsBefore = await RunsApi.GetEventsAsync(_client, run.Id);

        using var resume = await _client.PostAsync(new Uri($"/api/runs/{run.Id}/resume?precision=bf16", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, resume.StatusCode);
        Assert.Contains("is complete", await resume.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var after = await RunsApi.GetRunAsync(_client, run.Id);
        Assert.Equal(before, after);
        Assert.Equal("fp32", after.Precision);
        Assert.Equal(eventsBefore.Count, (await RunsApi.GetEventsAsync(_client, run.Id)).Count);
        Assert.False(after.IsResumable);
    }

    [Fact]
    public async Task An_unknown_precision_is_refused_before_anything_changes()
    {
        var (runId, _) = await StartAndCancelAsync("resume-bad");
        var before = await RunsApi.GetRunAsync(_client, runId);

        using var resume = await _client.PostAsync(new Uri($"/api/runs/{runId}/resume?precision=fp8", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.BadRequest, resume.StatusCode);
        Assert.Contains("auto, fp32, bf16 or fp16", await resume.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await RunsApi.GetRunAsync(_client, runId));
    }

    /// <summary>A tiny fp32 run with a checkpoint every 2 steps, cancelled after a few: its id and last checkpoint's step.</summary>
    private async Task<(string RunId, long CheckpointStep)> StartAndCancelAsync(string name)
    {
        var run = await RunsApi.StartAsync(_client, RunsApi.TinyRun(name, steps: 200, checkpointInterval: 2));
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetMetricsAsync(_client, run.Id, 2)).Count > 0, "step 3");
        using (var cancel = await _client.PostAsync(new Uri($"/api/runs/{run.Id}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(_client, run.Id)).Status == RunStatus.Cancelled, "the cancel");
        var checkpoint = (await RunsApi.GetEventsAsync(_client, run.Id)).Where(e => e.Kind == "checkpoint").Max(e => e.Step);
        return (run.Id, checkpoint);
    }
}
