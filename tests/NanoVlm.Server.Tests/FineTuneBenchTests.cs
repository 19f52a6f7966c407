using System.Text.Json;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Tests;

/// <summary>
/// <c>bench --finetune-one</c>, the measurement <c>bench --finetune</c> runs once per configuration in a child process:
/// here on the tiny preset, two steps, so that it is quick; the figures are reported, not judged.
/// </summary>
public sealed class FineTuneBenchTests
{
    [Fact]
    public async Task One_configuration_prints_its_figures_as_one_json_line()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CommandLine.RunAsync(["bench", "--finetune-one", "tiny,fp32,1,2,64,", "--threads", "1"], output, error);

        Assert.True(code == 0, $"exit {code}: {error}");
        var line = output.ToString().Split('\n').Single(l => l.StartsWith("FINETUNE-FIGURES ", StringComparison.Ordinal));
        var figures = JsonSerializer.Deserialize<FineTuneFigures>(line["FINETUNE-FIGURES ".Length..])!;
        Assert.Equal(("tiny", "fp32", 1, 64, 2), (figures.Preset, figures.Precision, figures.BatchSize, figures.MaxLength, figures.Steps));
        Assert.Equal(2, figures.StepSeconds.Count);
        Assert.True(figures.SecondsPerStep > 0 && figures.TokensPerSecond > 0 && figures.TokensPerStep is > 0 and <= 64);
        Assert.True(figures.EstimatedMib > 0 && figures.PeakMib >= figures.BaselineMib);
        Assert.Equal(1, figures.ViewsPerSample);
    }

    [Theory]
    [InlineData("tiny,fp32,1")]
    [InlineData("tiny,fp16,1,2,64,")]
    public async Task A_malformed_configuration_is_a_usage_error(string spec)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CommandLine.RunAsync(["bench", "--finetune-one", spec], output, error);

        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("fp", error.ToString(), StringComparison.Ordinal);
    }
}
