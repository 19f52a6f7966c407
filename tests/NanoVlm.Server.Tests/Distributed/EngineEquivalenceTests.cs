using System.Text.Json;
using System.Text.Json.Nodes;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Server.Cli;
using Xunit.Abstractions;

namespace NanoVlm.Server.Tests.Distributed;

/// <summary>
/// The contract between the engines (issue 17): the same run from the same --init checkpoint, with the same data and
/// seed, in fp32, gives the same loss at each of its first 10 steps within 1e-3 relative, in-process with batch 4,
/// under torchrun with 1 process of batch 4, and with 2 processes of batch 2. All three through the train verb.
/// </summary>
public sealed class EngineEquivalenceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nanovlm-equivalence-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteMicroConfig()
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
            MaxSteps = 10,
            BatchSize = 4,
            MaxLength = 64,
            LrVision = 1e-3, // every group trains (the preset freezes the vision encoder)
            EvalInterval = 0,
            ValBatches = 1,
            CheckpointInterval = 0,
            HeadroomInterval = 0,
            Threads = 1,
            Seed = 13,
        };
        var path = Path.Combine(_folder, "micro.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config, RunFiles.Json));
        return path;
    }

    [Fact]
    public async Task In_process_batch_4_torchrun_1x4_and_torchrun_2x2_give_the_same_losses_for_10_steps()
    {
        var config = WriteMicroConfig();
        // The common starting point: a checkpoint of a short in-process run (weights that already moved from their init).
        var (code, _, error) = await Run("train", "--config", config, "--steps", "2", "--out", Path.Combine(_folder, "base"), "--no-tensorboard");
        Assert.True(code == 0, error);
        var init = Path.Combine(_folder, "base", RunFiles.CheckpointsFolder, "step_000002");

        var runs = new (string Name, string[] Options)[]
        {
            ("in-process", ["--batch-size", "4"]),
            ("torchrun-1x4", ["--engine", "torchrun", "--nproc-per-node", "1", "--batch-size", "4"]),
            ("torchrun-2x2", ["--engine", "torchrun", "--nproc-per-node", "2", "--batch-size", "2"]),
        };
        var losses = new Dictionary<string, List<double>>();
        foreach (var (name, options) in runs)
        {
            var folder = Path.Combine(_folder, name);
            (code, _, error) = await Run(["train", "--config", config, "--init", init, "--out", folder, "--no-tensorboard", .. options]);
            Assert.True(code == 0, $"{name}: {error}");
            if (name != "in-process")
            {
                // Trained by the PyTorch engine (its run.json records the process count), not in this process.
                using var runJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, RunFiles.ConfigFileName)));
                Assert.Equal(name.EndsWith("2x2", StringComparison.Ordinal) ? 2 : 1, runJson.RootElement.GetProperty("world_size").GetInt32());
            }
            losses[name] = File.ReadAllLines(Path.Combine(folder, RunFiles.MetricsFileName)).Where(l => l.Length > 0)
                .Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToList();
        }

        var reference = losses["in-process"];
        Assert.Equal(10, reference.Count);
        for (var step = 0; step < reference.Count; step++)
        {
            var others = runs.Skip(1).Select(r => FormattableString.Invariant(
                $"{r.Name} {losses[r.Name].ElementAtOrDefault(step):0.000000} ({Math.Abs(losses[r.Name].ElementAtOrDefault(step) - reference[step]) / Math.Abs(reference[step]):e1})"));
            output.WriteLine(FormattableString.Invariant($"step {step + 1,2}: in-process {reference[step]:0.000000}  {string.Join("  ", others)}"));
        }
        foreach (var (name, _) in runs.Skip(1))
        {
            Assert.Equal(10, losses[name].Count);
            for (var step = 0; step < 10; step++)
            {
                var relative = Math.Abs(losses[name][step] - reference[step]) / Math.Abs(reference[step]);
                Assert.True(relative <= 1e-3, $"{name}, step {step + 1}: {losses[name][step]} against in-process {reference[step]} ({relative:e2} relative)");
            }
        }
        Assert.True(reference[^1] < reference[0], "the run should learn something in 10 steps, or the comparison proves little");
    }

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
