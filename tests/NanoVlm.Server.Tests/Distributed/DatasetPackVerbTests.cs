using System.Text.Json;
using System.Text.Json.Nodes;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Tests.Distributed;

/// <summary>
/// `dataset pack` against the PyTorch engine itself: its shard checker reads what the verb wrote, and its trainer,
/// started from the same weights on the packed data, computes the losses the in-process trainer computed.
/// </summary>
public sealed class DatasetPackVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nanovlm-pack-verb-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A model small enough for seconds per step (built-in tokenizer, 64 px tiles of 16 px patches, 2×2 grids + a global view).</summary>
    private string WriteMicroConfig(int steps)
    {
        var config = TrainingPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
        {
            ModelPreset = "micro",
            Model = ModelPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
            {
                VitHiddenDim = 32, VitInterDim = 64, VitPatchSize = 16, VitNHeads = 2, VitNBlocks = 1,
                LmHiddenDim = 32, LmInterDim = 64, LmNBlocks = 2, MpImageTokenLength = 4,
            },
            Precision = PrecisionMode.Fp32,
            MaxSteps = steps,
            BatchSize = 4,
            MaxLength = 64,
            LrVision = 1e-3,
            EvalInterval = 0,
            ValBatches = 2,
            CheckpointInterval = 0,
            HeadroomInterval = 0,
            Threads = 1,
            Seed = 11,
        };
        var path = Path.Combine(_folder, "micro.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config, RunFiles.Json));
        return path;
    }

    [Fact]
    public async Task The_python_checker_reads_what_the_verb_packed()
    {
        var shards = Path.Combine(_folder, "shards");
        var (code, output, error) = await Run("dataset", "pack", "--config", WriteMicroConfig(steps: 5), "--out", shards, "--samples-per-shard", "7",
            "--validation-samples", "9");
        Assert.True(code == 0, error);
        var packed = JsonNode.Parse(output)!;

        var check = await PythonEngine.RunModule("nanovlm_distributed.shards", ["check", shards]);
        Assert.True(check.ExitCode == 0, check.Describe());
        var read = JsonNode.Parse(check.Output)!;
        Assert.Equal("synthetic:easy", read["source"]!.GetValue<string>());
        foreach (var (split, samples) in new[] { ("train", 20), ("validation", 9) })
        {
            Assert.Equal(samples, read["splits"]![split]!["samples"]!.GetValue<int>());
            foreach (var field in new[] { "samples", "tokens", "max_sample_tokens", "tiles", "labelled_tokens" })
                Assert.Equal(packed["splits"]![split]![field]!.GetValue<long>(), read["splits"]![split]![field]!.GetValue<long>());
        }
        Assert.Equal(3, packed["splits"]!["train"]!["shards"]!.GetValue<int>()); // 7 + 7 + 6
    }

    [Fact]
    public async Task The_python_trainer_on_packed_shards_computes_the_in_process_losses_from_the_same_weights()
    {
        var config = WriteMicroConfig(steps: 2);
        var csharpRun = Path.Combine(_folder, "cs");
        var (code, _, error) = await Run("train", "--config", config, "--out", csharpRun, "--no-tensorboard");
        Assert.True(code == 0, error);
        var shards = Path.Combine(_folder, "shards");
        (code, _, error) = await Run("dataset", "pack", "--config", Path.Combine(csharpRun, RunFiles.ConfigFileName), "--out", shards);
        Assert.True(code == 0, error);

        // The in-process run's step-0 checkpoint holds the weights it started from.
        var pythonRun = Path.Combine(_folder, "py");
        var train = await PythonEngine.RunModule("nanovlm_distributed.train", [
            "--init", Path.Combine(csharpRun, RunFiles.CheckpointsFolder, "step_000000"), "--config", Path.Combine(csharpRun, RunFiles.ConfigFileName),
            "--shards", shards, "--run-dir", pythonRun]);
        Assert.True(train.ExitCode == 0, train.Describe());

        var expected = Losses(csharpRun);
        var actual = Losses(pythonRun);
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Abs(expected[i]), $"step {i + 1}: PyTorch {actual[i]}, in-process {expected[i]}");
    }

    [Fact]
    public async Task A_folder_that_is_not_empty_is_a_usage_error()
    {
        File.WriteAllText(Path.Combine(_folder, "keep.txt"), "mine");
        var (code, _, error) = await Run("dataset", "pack", "--preset", "tiny", "--out", _folder);
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("not empty", error, StringComparison.Ordinal);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));
    }

    private static List<double> Losses(string run) => File.ReadAllLines(Path.Combine(run, RunFiles.MetricsFileName))
        .Where(line => line.Length > 0)
        .Select(line => JsonNode.Parse(line)!["loss"]!.GetValue<double>())
        .ToList();

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
