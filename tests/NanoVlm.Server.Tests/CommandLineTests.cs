using System.Text.Json;
using NanoVlm.Server.Cli;
using NanoVlm.Server.Engine;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public async Task HelpListsEveryVerb()
    {
        var (code, output, _) = await Run("--help");
        Assert.Equal(0, code);
        foreach (var verb in CommandLine.Verbs)
        {
            Assert.Contains(verb.Name, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownVerbExitsWithTwoAndNamesTheKnownVerbs()
    {
        var (code, _, error) = await Run("frobnicate");
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("Unknown verb 'frobnicate'", error, StringComparison.Ordinal);
        Assert.Contains("info", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOptionExitsWithTwoAndListsTheOptions()
    {
        var (code, _, error) = await Run("info", "--colour", "red");
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("Unknown option '--colour'", error, StringComparison.Ordinal);
        Assert.Contains("--json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InfoPrintsRealVersionsAndPrecisionSupport()
    {
        var (code, output, _) = await Run("info", "--device", "cpu", "--threads", "1");
        Assert.Equal(0, code);
        Assert.Matches(@"TorchSharp\s+0\.107", output);
        Assert.Matches(@"libtorch\s+\d+\.\d+", output);
        Assert.Matches(@"threads\s+1 ", output);
        Assert.Contains("bf16 autocast", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InfoJsonIsParseable()
    {
        var (code, output, _) = await Run("info", "--json", "--device", "cpu");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("cpu", json.RootElement.GetProperty("device").GetString());
        Assert.True(json.RootElement.GetProperty("bf16_autocast").GetBoolean());
    }

    [Fact]
    public async Task BadOptionValuesAreUsageErrors()
    {
        Assert.Equal(CommandLine.UsageError, (await Run("info", "--threads", "many")).Code);
        Assert.Equal(CommandLine.UsageError, (await Run("info", "--device", "tpu")).Code);
        Assert.Equal(CommandLine.UsageError, (await Run("info", "--threads")).Code);
        Assert.Equal(CommandLine.UsageError, (await Run("info", "stray")).Code);
    }

    [Fact]
    public void ConfigurationOverridesAreSeparatedFromOptions()
    {
        var options = new[] { new VerbOption("json", null, "") };
        var parsed = VerbArguments.Parse("info", ["--Engine:Threads=3", "--json", "--Storage:DataDir", "/tmp/x"], options);
        Assert.True(parsed.Has("json"));
        Assert.Equal(["--Engine:Threads=3", "--Storage:DataDir=/tmp/x"], parsed.ConfigurationOverrides);
        var configuration = AppConfiguration.BuildForVerb(parsed.ConfigurationOverrides);
        Assert.Equal("3", configuration["Engine:Threads"]);
    }

    [Fact]
    public void EngineOptionsValidatorReportsEveryProblem()
    {
        var result = new EngineOptionsValidator().Validate(null, new EngineOptions { Device = "tpu", Threads = -1 });
        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.True(new EngineOptionsValidator().Validate(null, new EngineOptions { Device = "cuda:1", Threads = 4 }).Succeeded);
    }

    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
