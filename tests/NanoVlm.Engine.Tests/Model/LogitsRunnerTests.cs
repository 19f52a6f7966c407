using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Parity;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Model;

public sealed class LogitsRunnerTests
{
    [Fact]
    public void TextOnlyInputWithoutMaskOrLabelsGivesLogitsOnly()
    {
        manual_seed(50);
        using var temp = new TempDirectory();
        using (var model = new VisionLanguageModel(TestConfigs.Micro())) NanoVlmCheckpoint.Save(model, temp.File("model"));
        using var scope = NewDisposeScope();
        SafeTensors.Save(temp.File("in.safetensors"), new Dictionary<string, Tensor> { ["input_ids"] = TestConfigs.RandomText(2, 7, seed: 51) });

        var summary = LogitsRunner.Run(temp.File("model"), temp.File("in.safetensors"), temp.File("out/out.safetensors"), null, null);

        var output = SafeTensors.Load(temp.File("out/out.safetensors"));
        Assert.Equal(["logits"], output.Keys);
        Assert.Equal(new long[] { 2, 7, 166 }, output["logits"].shape);
        Assert.Equal(new long[] { 2, 7, 166 }, summary.LogitsShape);
        Assert.Null(summary.Loss);
        Assert.Null(summary.GeneratedShape);
    }

    [Fact]
    public void BadInputsAreReportedByName()
    {
        manual_seed(52);
        using var temp = new TempDirectory();
        using (var model = new VisionLanguageModel(TestConfigs.Micro())) NanoVlmCheckpoint.Save(model, temp.File("model"));
        using var scope = NewDisposeScope();
        SafeTensors.Save(temp.File("no-ids.safetensors"), new Dictionary<string, Tensor> { ["tokens"] = zeros(1, 3, dtype: ScalarType.Int64) });
        SafeTensors.Save(temp.File("bad-mask.safetensors"), new Dictionary<string, Tensor>
        {
            ["input_ids"] = zeros(1, 3, dtype: ScalarType.Int64),
            ["attention_mask"] = ones(1, 4, dtype: ScalarType.Int64),
        });

        var noIds = Assert.Throws<InvalidDataException>(() => LogitsRunner.Run(temp.File("model"), temp.File("no-ids.safetensors"), temp.File("o.safetensors"), null, null));
        Assert.Contains("input_ids", noIds.Message, StringComparison.Ordinal);
        var badMask = Assert.Throws<InvalidDataException>(() => LogitsRunner.Run(temp.File("model"), temp.File("bad-mask.safetensors"), temp.File("o.safetensors"), null, null));
        Assert.Contains("attention_mask", badMask.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("o.safetensors")));
    }
}
