using NanoVlm.Client.Services;
using NanoVlm.Server.Runs;

namespace NanoVlm.Server.Tests;

public sealed class RunRequestBoundsTests
{
    [Fact]
    public void TheFormDefaultsAreWithinBounds() => Assert.Empty(Problems(new RunRequest()));

    public static TheoryData<RunRequest, string> OutOfBounds => new()
    {
        { new RunRequest { Name = null! }, nameof(RunRequest.Name) },
        { new RunRequest { Name = "line\nbreak" }, nameof(RunRequest.Name) },
        { new RunRequest { Preset = "" }, nameof(RunRequest.Preset) },
        { new RunRequest { Precision = null! }, nameof(RunRequest.Precision) },
        { new RunRequest { Data = new string('d', RunRequestBounds.MaxDataLength + 1) }, nameof(RunRequest.Data) },
        { new RunRequest { NanPolicy = "ignore" }, nameof(RunRequest.NanPolicy) },
        { new RunRequest { BatchSize = 0 }, nameof(RunRequest.BatchSize) },
        { new RunRequest { GradAccum = 1025 }, nameof(RunRequest.GradAccum) },
        { new RunRequest { MaxLength = 8 }, nameof(RunRequest.MaxLength) },
        { new RunRequest { Steps = 10_000_001 }, nameof(RunRequest.Steps) },
        { new RunRequest { LrProjector = double.NaN }, nameof(RunRequest.LrProjector) },
        { new RunRequest { LrLanguage = 2 }, nameof(RunRequest.LrLanguage) },
        { new RunRequest { WarmupFraction = double.NaN }, nameof(RunRequest.WarmupFraction) },
        { new RunRequest { WarmupFraction = 1 }, nameof(RunRequest.WarmupFraction) },
        { new RunRequest { EvalInterval = int.MaxValue }, nameof(RunRequest.EvalInterval) },
        { new RunRequest { CheckpointInterval = 0 }, nameof(RunRequest.CheckpointInterval) },
        { new RunRequest { Seed = -5 }, nameof(RunRequest.Seed) },
    };

    [Theory]
    [MemberData(nameof(OutOfBounds))]
    public void EachFieldOutsideItsRangeIsNamed(RunRequest request, string field)
    {
        var problems = Problems(request);
        Assert.Equal([field], problems.Select(p => p.Field).Distinct());
        Assert.All(problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Message)));
    }

    private static List<(string Field, string Message)> Problems(RunRequest request)
    {
        var problems = new List<(string, string)>();
        RunRequestBounds.Check(request, (field, message) => problems.Add((field, message)));
        return problems;
    }
}
