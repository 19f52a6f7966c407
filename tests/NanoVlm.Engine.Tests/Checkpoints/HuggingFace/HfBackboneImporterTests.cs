using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Checkpoints.HuggingFace;

public sealed class HfBackboneImporterTests
{
    private static Tensor ImagePromptLogits(VisionLanguageModel model)
    {
        var (ids, mask, pixels) = TestConfigs.ImagePrompts(model.Config, padding: [0, 2], length: 10, seed: 9);
        using var noGrad = no_grad();
        return model.Logits(model.Forward(ids, pixels, mask));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WritesACheckpointThatLoadsBackToTheSameModel(bool tied)
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path, l: new LanguageDims(Tied: tied), languageShards: 2);
        var options = new HfImportOptions { PixelShuffleFactor = 2, Seed = 3 };
        var output = temp.File("nanovlm");

        var summary = HfBackboneImporter.Import(vision, language, output, options);

        var loaded = NanoVlmCheckpoint.Load(output);
        using var model = loaded.Model;
        Assert.Empty(loaded.Warnings);
        Assert.Equal(VlmConfigFile.ToJson(summary.Config), VlmConfigFile.ToJson(model.Config));
        Assert.Equal(tied, model.Config.LmTieWeights);
        Assert.Equal(4, model.Config.MpImageTokenLength); // 4×4 grid, shuffle 2

        // The same seed rebuilds the same model: the saved one computes exactly what was built.
        using var rebuilt = HfBackboneModelBuilder.Build(vision, language, options).Model;
        TensorAssert.Same(ImagePromptLogits(rebuilt), ImagePromptLogits(model));

        var counted = model.parameters().Sum(p => p.numel());
        Assert.Equal(counted, summary.Parameters.Total);
        Assert.Equal(summary.Parameters.Total, summary.ImportedParameters + summary.InitializedParameters);
        Assert.Equal(ParameterCount.ModalityProjector(model.Config) + (tied ? 1 : 2) * 66L * model.Config.LmHiddenDim, summary.InitializedParameters);
        Assert.Equal(Path.GetFullPath(output), summary.OutputDirectory);
    }

    [Fact]
    public void SavedFileHasTheNanoVlmKeys()
    {
        using var temp = new TempDirectory();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path);
        var output = temp.File("nanovlm");

        HfBackboneImporter.Import(vision, language, output);

        var names = SafeTensors.ReadHeader(Path.Combine(output, "model.safetensors")).Entries.Select(e => e.Name).ToHashSet();
        Assert.Contains("decoder.head.weight", names); // the tied matrix, under the name the reference's files use
        Assert.DoesNotContain("decoder.token_embedding.weight", names);
        Assert.Contains("decoder.rotary_embd.inv_freq", names);
        Assert.Contains("vision_encoder.blocks.1.attn.qkv_proj.weight", names);
        Assert.Contains("MP.proj.weight", names);
        Assert.DoesNotContain(names, n => n.StartsWith("vision_model.", StringComparison.Ordinal) || n.StartsWith("model.", StringComparison.Ordinal));
    }

    [Fact]
    public void RefusesToReplaceABackboneOrANonEmptyFolder()
    {
        using var temp = new TempDirectory();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path);

        // Saving replaces the output folder whole: the backbones (or a folder holding them) must not be it.
        Assert.Throws<ArgumentException>(() => HfBackboneImporter.Import(vision, language, language));
        Assert.Throws<ArgumentException>(() => HfBackboneImporter.Import(vision, language, temp.Path));
        Assert.True(File.Exists(Path.Combine(language, "model.safetensors")));

        var occupied = temp.File("occupied");
        Directory.CreateDirectory(occupied);
        File.WriteAllText(Path.Combine(occupied, "notes.txt"), "keep me");
        var error = Assert.Throws<IOException>(() => HfBackboneImporter.Import(vision, language, occupied));
        Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(occupied, "notes.txt")));

        HfBackboneImporter.Import(vision, language, occupied, new HfImportOptions { Overwrite = true });
        Assert.False(File.Exists(Path.Combine(occupied, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(occupied, "model.safetensors")));
    }

    [Fact]
    public void KeepsTheBaseConfigsOtherFields()
    {
        using var temp = new TempDirectory();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path);
        var baseConfig = new VlmConfig { LmMaxLength = 128, MaxImgSize = 64, ResizeToMaxSideLen = false, MpPixelShuffleFactor = 2, VitHiddenDim = 999 };

        var summary = HfBackboneImporter.Import(vision, language, temp.File("out"), new HfImportOptions { BaseConfig = baseConfig });

        Assert.Equal((128, 64, false, 2), (summary.Config.LmMaxLength, summary.Config.MaxImgSize, summary.Config.ResizeToMaxSideLen, summary.Config.MpPixelShuffleFactor));
        Assert.Equal(new VisionDims().Hidden, summary.Config.VitHiddenDim); // backbone fields always come from the backbone
        Assert.Empty(summary.Warnings);
    }
}
