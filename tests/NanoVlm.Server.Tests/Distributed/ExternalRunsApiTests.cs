using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Server.Tests.Distributed;

/// <summary>
/// Runs of the PyTorch engine started over the API (issue 17): torchrun with 2 CPU processes over gloo, launched,
/// followed into the same store as in-process runs, cancelled with a checkpoint, resumed on the same engine, and its
/// checkpoints answering in the playground. The real server, the real python3 with torch, nothing stood in.
/// </summary>
public sealed class ExternalRunsApiTests(ExternalRunsApiTests.EnginesFactory factory) : IClassFixture<ExternalRunsApiTests.EnginesFactory>
{
    /// <summary>
    /// The real server with one more allowed interpreter: Debian's python3 started with -S (no site packages, so
    /// no torch), to see what the form and API say when PyTorch is missing; and an sbatch that is not installed.
    /// </summary>
    public sealed class EnginesFactory : DashboardFactoryBase
    {
        public string PythonWithoutTorch { get; } = WritePythonWithoutTorch();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Engines:AllowedPythons:0", PythonWithoutTorch);
            builder.UseSetting("Engines:Slurm:Sbatch", "/nonexistent/bin/sbatch");
            builder.UseSetting("Engines:StopGraceSeconds", "60");
        }

        private static string WritePythonWithoutTorch()
        {
            var path = Path.Combine(Directory.CreateTempSubdirectory("nanovlm-python-").FullName, "python-without-torch");
            File.WriteAllText(path, $"#!/bin/sh\nexec {PythonEngine.Python} -S \"$@\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return path;
        }
    }

    private static RunRequest TorchrunRun(string name, int steps, int checkpointInterval) => RunsApi.TinyRun(name, steps, checkpointInterval) with
    {
        Engine = "torchrun",
        ProcessesPerNode = 2,
        BatchSize = 1,
    };

    [Fact]
    public async Task A_torchrun_run_of_2_processes_trains_to_the_end_with_its_curve_events_and_checkpoints_recorded_and_answers_in_the_playground()
    {
        using var client = factory.CreateClient();
        var run = await RunsApi.StartAsync(client, TorchrunRun("torchrun-api", steps: 4, checkpointInterval: 2));

        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(client, run.Id)).Status is RunStatus.Completed or RunStatus.Failed,
            "the torchrun run to end", () => Folder(run.Id));
        var ended = await RunsApi.GetRunAsync(client, run.Id);
        Assert.True(ended.Status == RunStatus.Completed, $"{ended.Status}: {ended.Error}\n{Folder(run.Id)}");
        Assert.Equal(4, ended.Step);

        var metrics = await RunsApi.GetMetricsAsync(client, run.Id);
        RunsApi.AssertContiguousFromOne(metrics);
        Assert.Equal(4, metrics.Count);
        Assert.All(metrics, m => Assert.True(double.IsFinite(m.Loss) && m.Loss > 0, $"loss {m.Loss} at step {m.Step}"));
        var events = await RunsApi.GetEventsAsync(client, run.Id);
        Assert.Contains(events, e => e.Kind == "state" && e.Message.StartsWith("Run running", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Kind == "state" && e.Message.StartsWith("Run completed", StringComparison.Ordinal));

        // The folder is the PyTorch engine's: 2 processes wrote it (rank 0), from shards the server packed.
        using (var runJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RunFolder(run.Id), RunFiles.ConfigFileName))))
            Assert.Equal(2, runJson.RootElement.GetProperty("world_size").GetInt32());

        // Its checkpoints are the playground's models like any run's, and the in-process engine answers with them.
        var checkpoints = factory.Services.GetRequiredService<IRunLauncher>().Checkpoints(run.Id);
        // Newest first: steps 4 and 2, and step 0 kept as the best by validation loss (the only evaluation before 4).
        Assert.Equal(4, checkpoints[0].Step);
        Assert.Contains(checkpoints, c => c.Step == 2);
        using var answer = await client.PostAsync(new Uri("/api/ask", UriKind.Relative), new MultipartFormDataContent
        {
            { new ByteArrayContent(WhitePage()), "image", "page.png" },
            { new StringContent("What is the total?"), "question" },
            { new StringContent(checkpoints[0].ModelId), "model" },
            { new StringContent("3"), "max_new_tokens" },
        });
        Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cancel_stops_the_job_with_a_checkpoint_and_resume_continues_it_on_torchrun_to_the_end()
    {
        using var client = factory.CreateClient();
        var run = await RunsApi.StartAsync(client, TorchrunRun("torchrun-cancel", steps: 10, checkpointInterval: 100));
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetMetricsAsync(client, run.Id)).Count >= 2, "two steps", () => Folder(run.Id));

        using (var cancel = await client.PostAsync(new Uri($"/api/runs/{run.Id}/cancel", UriKind.Relative), null))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(client, run.Id)).Status is not (RunStatus.Running or RunStatus.Queued),
            "the cancelled run to stop", () => Folder(run.Id));
        var cancelled = await RunsApi.GetRunAsync(client, run.Id);
        Assert.True(cancelled.Status == RunStatus.Cancelled, $"{cancelled.Status}: {cancelled.Error}");
        Assert.True(cancelled.Step < 10, $"the job ran to step {cancelled.Step} of 10 after the cancel");
        var checkpoint = factory.Services.GetRequiredService<IRunLauncher>().Checkpoints(run.Id)[0].Step;
        Assert.Equal(cancelled.Step, checkpoint);

        using (var resume = await client.PostAsync(new Uri($"/api/runs/{run.Id}/resume", UriKind.Relative), null))
            Assert.True(resume.StatusCode == HttpStatusCode.Accepted, await resume.Content.ReadAsStringAsync());
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(client, run.Id)).Status is RunStatus.Completed or RunStatus.Failed,
            "the resumed run to end", () => Folder(run.Id));
        var ended = await RunsApi.GetRunAsync(client, run.Id);
        Assert.True(ended.Status == RunStatus.Completed, $"{ended.Status}: {ended.Error}");
        // Nothing lost, nothing twice: the steps before the checkpoint, then the resumed ones.
        RunsApi.AssertContiguousFromOne(await RunsApi.GetMetricsAsync(client, run.Id));
        Assert.Equal(10, (await RunsApi.GetMetricsAsync(client, run.Id)).Count);
        Assert.Contains(await RunsApi.GetEventsAsync(client, run.Id), e => e.Kind == "resume" && e.Message.Contains("on torchrun × 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_real_fp16_overflow_under_torchrun_is_stored_as_a_nan_alert_with_its_diagnosis_like_an_in_process_one()
    {
        using var client = factory.CreateClient();
        // The preset made to overflow fp16 (no injection); on a CPU the PyTorch engine emulates fp16 where a GPU would overflow.
        var request = factory.Services.GetRequiredService<IRunLauncher>().DefaultsFor("fp16-overflow") with
        {
            Name = "torchrun-overflow", Precision = "fp16", NanPolicy = "stop", Steps = 120, EvalInterval = 0,
            Engine = "torchrun", ProcessesPerNode = 2, BatchSize = 4,
        };
        var run = await RunsApi.StartAsync(client, request);
        await RunsApi.WaitUntilAsync(async () => (await RunsApi.GetRunAsync(client, run.Id)).Status is RunStatus.Completed or RunStatus.Failed,
            "the overflowing run to end", () => Folder(run.Id));

        var ended = await RunsApi.GetRunAsync(client, run.Id);
        Assert.True(ended.Status == RunStatus.Failed, $"{ended.Status} at step {ended.Step}: {ended.Error}\n{Folder(run.Id)}");
        var alert = Assert.Single(await RunsApi.GetEventsAsync(client, run.Id), e => e.Kind == "nan");
        Assert.Equal(RunEventSeverity.Alert, alert.Severity);
        Assert.Equal("precision overflow", alert.Details["verdict"]);
        Assert.Equal("fp16-emulated", alert.Details["precision"]);
    }

    [Fact]
    public async Task Engines_that_cannot_run_here_are_refused_with_what_to_install()
    {
        using var client = factory.CreateClient();
        var withoutTorch = await ErrorsOf(client, new { preset = "tiny", engine = "torchrun", python = factory.PythonWithoutTorch });
        Assert.Contains("has no module 'torch'", withoutTorch["Python"], StringComparison.Ordinal);
        Assert.Contains("apt-get install python3-torch python3-numpy libopenblas0-pthread", withoutTorch["Python"], StringComparison.Ordinal);

        var notAllowed = await ErrorsOf(client, new { preset = "tiny", engine = "torchrun", python = "/usr/bin/env" });
        Assert.Contains("Engines:AllowedPythons", notAllowed["Python"], StringComparison.Ordinal);

        var noSbatch = await ErrorsOf(client, new { preset = "tiny", engine = "slurm", nnodes = 2, time_limit = "4 hours" });
        Assert.Contains("apt-get install slurm-client", noSbatch["Engine"], StringComparison.Ordinal);
        Assert.Contains("not in Slurm's syntax", noSbatch["TimeLimit"], StringComparison.Ordinal);

        var unknown = await ErrorsOf(client, new { preset = "tiny", engine = "gpu" });
        Assert.Contains("in-process, torchrun, slurm", unknown["Engine"], StringComparison.Ordinal);

        var misplaced = await ErrorsOf(client, new { preset = "tiny", nproc_per_node = 2 });
        Assert.Contains("torchrun or slurm", misplaced["ProcessesPerNode"], StringComparison.Ordinal);

        var options = factory.Services.GetRequiredService<IRunLauncher>().EngineOptions();
        Assert.True(options.Single(o => o.Value == "torchrun").Available, options.Single(o => o.Value == "torchrun").Note);
        Assert.False(options.Single(o => o.Value == "slurm").Available);
    }

    private static async Task<Dictionary<string, string>> ErrorsOf(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/runs", UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => string.Join(" ", p.Value.EnumerateArray().Select(v => v.GetString())), StringComparer.OrdinalIgnoreCase);
    }

    private string RunFolder(string runId) => Path.Combine(factory.DataDir, "runs", runId);

    /// <summary>What a failure message shows: the stored run and events, the folder's last events and the launcher's console.</summary>
    private string Folder(string runId)
    {
        var folder = RunFolder(runId);
        string Tail(string name, int lines) => File.Exists(Path.Combine(folder, name))
            ? $"{name}:\n" + string.Join("\n", File.ReadLines(Path.Combine(folder, name)).TakeLast(lines))
            : $"(no {name})";
        var run = factory.Services.GetRequiredService<IRunQueries>().GetRun(runId);
        var events = factory.Services.GetRequiredService<IRunQueries>().GetEvents(runId).Select(e => $"{e.Step} {e.Kind} {e.Message}");
        return $"run {run?.Status} at step {run?.Step}: {run?.Error}\nstored events:\n{string.Join("\n", events)}\nrun folder {folder}\n{Tail("events.jsonl", 10)}\n{Tail("launcher.log", 20)}";
    }

    private static byte[] WhitePage()
    {
        using var image = new Image<Rgb24>(64, 64, new Rgb24(255, 255, 255));
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }
}
