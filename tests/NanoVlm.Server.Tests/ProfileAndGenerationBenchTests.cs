using System.Text.Json;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Tests;

/// <summary>
/// <c>bench --profile</c> and <c>bench --generation</c> on the tiny preset with one repeat, so that they are quick; the
/// figures are reported, not judged, but every part must be there and the parts must add up.
/// </summary>
public sealed class ProfileAndGenerationBenchTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nanovlm-profile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_profile_times_every_part_of_a_step_and_the_parts_add_up()
    {
        var json = Path.Combine(_folder, "profile.json");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CommandLine.RunAsync(["bench", "--profile", "--profile-presets", "tiny", "--repeats", "1", "--batch-size", "2", "--threads", "1", "--json", json], output, error);

        Assert.True(code == 0, $"exit {code}: {error}");
        var rows = JsonSerializer.Deserialize<List<StepProfileFigures>>(await File.ReadAllTextAsync(json))!;
        Assert.Contains(rows, r => r.Precision == "fp32");
        foreach (var row in rows)
        {
            Assert.Equal(("tiny", 2), (row.Preset, row.BatchSize));
            string[] expected = [StepProfile.DataPart, StepProfile.VisionPart, StepProfile.ProjectorPart, StepProfile.EmbeddingPart, StepProfile.SetupPart,
                StepProfile.AttentionPart, StepProfile.MlpPart, StepProfile.HeadPart, StepProfile.BackwardPart, StepProfile.GradNormPart,
                StepProfile.GuardPart, StepProfile.OptimizerPart];
            Assert.Equal(expected, row.Parts.Select(p => p.Name));
            Assert.All(row.Parts, p => Assert.True(p.Milliseconds >= 0, $"{p.Name}: {p.Milliseconds} ms"));
            Assert.Equal(row.StepPartsMs, row.Parts.Where(p => p.Name != StepProfile.DataPart).Sum(p => p.Milliseconds), 6);
            Assert.True(row.TrainerStepMs > 0 && row.PeakFp32Gflops > 0 && row.Mfu > 0);
        }
        Assert.Contains("profile of one tiny step, fp32, batch 2", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generation_alone_measures_the_presets_asked_for()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CommandLine.RunAsync(["bench", "--generation", "tiny", "--new-tokens", "4", "--repeats", "1", "--threads", "1"], output, error);

        Assert.True(code == 0, $"exit {code}: {error}");
        var row = Assert.Single(output.ToString().Split('\n'), l => l.StartsWith("tiny ", StringComparison.Ordinal));
        Assert.Contains("yes", row, StringComparison.Ordinal); // the KV cache and recomputation chose the same tokens
    }

    [Theory]
    [InlineData("--generation", "tiny,huge")]
    [InlineData("--profile-presets", "huge")]
    public async Task An_unknown_preset_is_a_usage_error_that_lists_the_presets(string option, string presets)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] arguments = option == "--generation" ? ["bench", option, presets] : ["bench", "--profile", option, presets];

        var code = await CommandLine.RunAsync(arguments, output, error);

        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("nanoVLM-460M", error.ToString(), StringComparison.Ordinal);
    }
}
