using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Tests;

public sealed class TrainVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nanovlm-train-verb-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// A run.json for a model small enough to train a few steps in seconds on synthetic:easy pages (64 px tiles in
    /// 16 px patches: 4 image tokens per tile, 5 tiles per 128 px page), with the built-in tokenizer's vocabulary.
    /// </summary>
    private string WriteMicroConfig(Func<TrainingConfig, TrainingConfig>? change = null)
    {
        var config = TrainingPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
        {
            ModelPreset = "micro",
            Model = ModelPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
            {
                VitHiddenDim = 32,
                VitInterDim = 64,
                VitPatchSize = 16,
                VitNHeads = 2,
                VitNBlocks = 1,
                LmHiddenDim = 32,
                LmInterDim = 64,
                LmNBlocks = 2,
                MpImageTokenLength = 4,
            },
            Precision = PrecisionMode.Fp32,
            MaxSteps = 4,
            BatchSize = 2,
            MaxLength = 64,
            EvalInterval = 4,
            ValBatches = 1,
            CheckpointInterval = 2,
            HeadroomInterval = 0,
            Threads = 1,
        };
        config = change?.Invoke(config) ?? config;
        var path = Path.Combine(_folder, $"micro-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config, RunFiles.Json));
        return path;
    }

    [Fact]
    public async Task A_tiny_run_writes_its_files_and_resume_continues_at_the_same_step()
    {
        var config = WriteMicroConfig();
        var run = Path.Combine(_folder, "run");
        var (code, output, error) = await Run("train", "--config", config, "--out", run, "--seed", "5");
        Assert.True(code == 0, error);
        Assert.Equal(run, output.Trim());
        Assert.Contains("Completed at step 4", error, StringComparison.Ordinal);

        using (var resolved = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(run, RunFiles.ConfigFileName))))
        {
            Assert.Equal(5, resolved.RootElement.GetProperty("seed").GetInt32());
            Assert.Equal(32, resolved.RootElement.GetProperty("model").GetProperty("lm_hidden_dim").GetInt32());
        }
        Assert.Equal([1, 2, 3, 4], MetricSteps(run));
        var events = ReadLines(Path.Combine(run, RunFiles.EventsFileName));
        Assert.All(events, e => Assert.True(e.TryGetProperty("type", out _)));
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "evaluation");
        Assert.True(Directory.Exists(Path.Combine(run, RunFiles.CheckpointsFolder, "step_000004")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, RunFiles.TensorBoardFolder)));

        // Resuming from the step-2 checkpoint takes the run's run.json and continues at step 3 with the same losses.
        var losses = MetricLosses(run);
        (code, _, error) = await Run("train", "--resume", Path.Combine(run, RunFiles.CheckpointsFolder, "step_000002"));
        Assert.True(code == 0, error);
        Assert.Contains("resuming from", error, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3, 4, 3, 4], MetricSteps(run));
        var resumed = MetricLosses(run);
        Assert.Equal(losses[2], resumed[4], 1e-6);
        Assert.Equal(losses[3], resumed[5], 1e-6);

        // A run folder resumes from its latest checkpoint: here the last step, so there is nothing to resume. That is
        // refused as a usage error that points to a fork, and the run's files stay as they were.
        var eventsBefore = await File.ReadAllTextAsync(Path.Combine(run, RunFiles.EventsFileName));
        (code, _, error) = await Run("train", "--resume", run);
        Assert.Equal(2, code);
        Assert.Contains("nothing left to resume", error, StringComparison.Ordinal);
        Assert.Contains("fork", error, StringComparison.Ordinal);
        Assert.Equal(6, MetricSteps(run).Length);
        Assert.Equal(eventsBefore, await File.ReadAllTextAsync(Path.Combine(run, RunFiles.EventsFileName)));
    }

    [Fact]
    public async Task Init_from_a_runs_checkpoint_starts_from_its_weights_with_its_settings_and_records_where_from()
    {
        var parent = Path.Combine(_folder, "parent");
        var config = WriteMicroConfig(c => c with { MaxSteps = 30, CheckpointInterval = 30, EvalInterval = 0, LrLanguage = 3e-3, WarmupFraction = 0 });
        var (code, _, error) = await Run("train", "--config", config, "--out", parent, "--no-tensorboard");
        Assert.True(code == 0, error);
        var parentLosses = MetricLosses(parent);

        var fork = Path.Combine(_folder, "fork");
        var checkpoint = Path.Combine(parent, RunFiles.CheckpointsFolder, "step_000030");
        (code, _, error) = await Run("train", "--init", checkpoint, "--steps", "3", "--out", fork, "--no-tensorboard");

        Assert.True(code == 0, error);
        Assert.Contains("starting from", error, StringComparison.Ordinal);
        var forkLosses = MetricLosses(fork);
        // From scratch the first loss is about ln V (the parent's first); from the checkpoint it continues the parent's curve.
        Assert.True(forkLosses[0] < parentLosses[0] - 1, $"fork starts at {forkLosses[0]:0.000}, the parent started at {parentLosses[0]:0.000}");
        Assert.True(Math.Abs(forkLosses[0] - parentLosses[^3..].Average()) < 1.0, $"fork {forkLosses[0]:0.000}, parent's last {parentLosses[^1]:0.000}");
        using var resolved = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fork, RunFiles.ConfigFileName)));
        Assert.Equal(checkpoint, resolved.RootElement.GetProperty("init").GetString());
        Assert.Equal(3e-3, resolved.RootElement.GetProperty("lr_language").GetDouble(), 12); // the parent's settings
        Assert.Equal(3, resolved.RootElement.GetProperty("max_steps").GetInt32());
    }

    [Fact]
    public async Task Init_from_a_folder_without_a_model_is_refused_with_exit_code_2_and_writes_nothing()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "not-a-model")).FullName;
        var (code, _, error) = await Run("train", "--init", empty, "--out", Path.Combine(_folder, "never"));

        Assert.Equal(2, code);
        Assert.Contains("config.json", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "never")));
    }

    [Fact]
    public async Task Config_takes_the_dashboards_exported_run_settings()
    {
        var settings = Path.Combine(_folder, "exported.json");
        await File.WriteAllTextAsync(settings, RunSettingsJson.Write(RunsApi.TinyRun("exported", steps: 1, checkpointInterval: 1) with { Precision = "fp32" }));
        var run = Path.Combine(_folder, "from-settings");

        var (code, _, error) = await Run("train", "--config", settings, "--out", run, "--no-tensorboard");

        Assert.True(code == 0, error);
        using var resolved = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(run, RunFiles.ConfigFileName)));
        Assert.Equal("tiny", resolved.RootElement.GetProperty("model_preset").GetString());
        Assert.Equal(2, resolved.RootElement.GetProperty("batch_size").GetInt32());
        Assert.Equal(48, resolved.RootElement.GetProperty("max_length").GetInt32());
        Assert.Equal([1], MetricSteps(run));
    }

    [Fact]
    public async Task Config_states_a_bad_settings_file_by_line_and_field()
    {
        var settings = Path.Combine(_folder, "bad.json");
        await File.WriteAllTextAsync(settings, "{\n  \"preset\": \"tiny\",\n  \"batch_size\": \"8\"\n}");

        var (code, _, error) = await Run("train", "--config", settings, "--out", Path.Combine(_folder, "never"));

        Assert.Equal(2, code);
        Assert.Contains("line 3: batch_size must be a whole number (no quotes); got the text \"8\"", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "never")));
    }

    [Fact]
    public async Task Estimate_prints_the_memory_estimate_and_trains_nothing()
    {
        var (code, output, error) = await Run("train", "--preset", "tiny", "--estimate", "--batch-size", "4", "--out", Path.Combine(_folder, "none"));
        Assert.True(code == 0, error);
        Assert.Contains("total", output, StringComparison.Ordinal);
        Assert.Contains("batch 4", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "none")));
    }

    [Theory]
    [InlineData("--steps", "many")]
    [InlineData("--steps", "0")]
    [InlineData("--precision", "fp64")]
    [InlineData("--nan-policy", "ignore")]
    [InlineData("--lr-language", "-1")]
    [InlineData("--preset", "huge")]
    [InlineData("--bogus", "1")]
    public async Task Bad_options_are_usage_errors(string option, string value)
    {
        var (code, _, error) = await Run("train", option, value, "--estimate");
        Assert.Equal(CommandLine.UsageError, code);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_configuration_lists_every_problem()
    {
        var config = WriteMicroConfig(c => c with { BatchSize = 0, WarmupFraction = 2, KeepLastCheckpoints = 0 });
        var (code, _, error) = await Run("train", "--config", config, "--estimate");
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("batch_size", error, StringComparison.Ordinal);
        Assert.Contains("warmup_fraction", error, StringComparison.Ordinal);
        Assert.Contains("keep_last_checkpoints", error, StringComparison.Ordinal);

        // Options override the file: fixing the batch leaves the other two problems.
        (code, _, error) = await Run("train", "--config", config, "--batch-size", "2", "--estimate");
        Assert.Equal(CommandLine.UsageError, code);
        Assert.DoesNotContain("batch_size", error, StringComparison.Ordinal);
        Assert.Contains("warmup_fraction", error, StringComparison.Ordinal);

        var broken = Path.Combine(_folder, "broken.json");
        await File.WriteAllTextAsync(broken, "{ \"max_steps\": ");
        Assert.Equal(CommandLine.UsageError, (await Run("train", "--config", broken, "--estimate")).Code);
        Assert.Equal(CommandLine.UsageError, (await Run("train", "--config", config, "--preset", "tiny", "--estimate")).Code);
    }

    [Fact]
    public async Task A_max_length_the_pages_cannot_fit_is_a_usage_error_before_training()
    {
        var out_ = Path.Combine(_folder, "short");
        var (code, _, error) = await Run("train", "--preset", "tiny", "--max-length", "12", "--out", out_);
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("--max-length", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(out_));
    }

    [Fact]
    public async Task An_output_folder_holding_a_run_is_not_overwritten()
    {
        var existing = Path.Combine(_folder, "existing");
        Directory.CreateDirectory(existing);
        await File.WriteAllTextAsync(Path.Combine(existing, RunFiles.ConfigFileName), "{}");
        var (code, _, error) = await Run("train", "--config", WriteMicroConfig(), "--out", existing);
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("--resume", error, StringComparison.Ordinal);
    }

    private static int[] MetricSteps(string run) =>
        ReadLines(Path.Combine(run, RunFiles.MetricsFileName)).Select(m => m.GetProperty("step").GetInt32()).ToArray();

    private static double[] MetricLosses(string run) =>
        ReadLines(Path.Combine(run, RunFiles.MetricsFileName)).Select(m => m.GetProperty("loss").GetDouble()).ToArray();

    private static List<JsonElement> ReadLines(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
