using System.Text.Json;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Parity;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

/// <summary>
/// The TorchSharp model against the PyTorch reference's own outputs (shared/reference/cases): logits within
/// 2e-4, loss within 1e-5 relative, greedy KV-cache generation identical.
/// </summary>
public sealed class ReferenceParityTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases() => ReferenceCases.Names();

    [ReferenceCaseTheory]
    [MemberData(nameof(Cases))]
    public void LogitsRunnerMatchesTheReference(string caseName)
    {
        var caseDir = ReferenceCases.PathOf(caseName);
        using var caseJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(caseDir, "case.json")));
        var imageTokenId = caseJson.RootElement.GetProperty("image_token_id").GetInt64();
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var expected = SafeTensors.Load(Path.Combine(caseDir, "expected.safetensors"));
        var steps = (int)expected["generated"].shape[1];

        var summary = LogitsRunner.Run(Path.Combine(caseDir, "model"), Path.Combine(caseDir, "input.safetensors"),
            temp.File("out.safetensors"), steps, imageTokenId);
        var actual = SafeTensors.Load(temp.File("out.safetensors"));

        Assert.Equal(expected["logits"].shape, actual["logits"].shape);
        var maxLogitError = (actual["logits"] - expected["logits"]).abs().max().item<float>();
        output.WriteLine($"{caseName}: max |Δlogits| = {maxLogitError:g3}");
        Assert.True(maxLogitError <= 2e-4f, $"max |Δlogits| = {maxLogitError:g4} > 2e-4");

        var expectedLoss = expected["loss"].item<float>();
        var actualLoss = actual["loss"].item<float>();
        Assert.Equal(actualLoss, summary.Loss);
        output.WriteLine($"{caseName}: loss {actualLoss} vs {expectedLoss}");
        Assert.True(Math.Abs(actualLoss - expectedLoss) <= 1e-5 * Math.Abs(expectedLoss), $"loss {actualLoss} vs reference {expectedLoss}");

        Assert.Equal(expected["generated"].data<long>().ToArray(), actual["generated"].data<long>().ToArray());
        Assert.Equal(expected["generated"].shape, actual["generated"].shape);
    }
}
