using System.Text.Json.Nodes;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Text;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Tests.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Checkpoints.HuggingFace;

public sealed class LlamaImportTests
{
    private const int ExtraTokens = 66;

    private static Tensor Parameter(VisionLanguageModel model, string name) =>
        model.named_parameters().Single(p => p.name == name).parameter.detach();

    [Theory]
    [InlineData(true, 1, false)]  // SmolLM2-style: tied, one file
    [InlineData(false, 3, false)] // untied lm_head, three shards + index.json
    [InlineData(true, 2, true)]   // bfloat16 shards, as SmolLM2 ships
    public void TextLogitsEqualTheLlamaComputation(bool tied, int shards, bool bfloat16)
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var dims = new LanguageDims(Tied: tied);
        var vision = System.IO.Path.Combine(temp.Path, "siglip");
        var language = System.IO.Path.Combine(temp.Path, "llama");
        HfBackboneFixtures.Write(vision, HfBackboneFixtures.SiglipConfig(new VisionDims(), VisionConfigStyle.VisionOnly),
            HfBackboneFixtures.SiglipTensors(new VisionDims(), VisionConfigStyle.VisionOnly, seed: 1));
        var weights = HfBackboneFixtures.Write(language, HfBackboneFixtures.LlamaConfig(dims), HfBackboneFixtures.LlamaTensors(dims, seed: 2),
            shards, bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32);

        var built = HfBackboneModelBuilder.Build(vision, language);
        using var model = built.Model;
        Assert.Equal(tied, model.Decoder.TiedHead);
        Assert.Equal(tied ? HfHeadSource.TiedToEmbedding : HfHeadSource.LmHead, built.HeadSource);

        using var generator = new Generator(3);
        var ids = randint(0, dims.Vocab, [2, 9], dtype: ScalarType.Int64, generator: generator);
        using var noGrad = no_grad();
        var expected = HfReferenceForward.LlamaLogits(weights, dims, ids);
        var logits = model.Logits(model.Forward(ids, null, null));

        Assert.Equal(new long[] { 2, 9, dims.Vocab + ExtraTokens }, logits.shape);
        var actual = logits.narrow(-1, 0, dims.Vocab);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max |Δ| = {actual.sub(expected).abs().max().item<float>()}");
        TensorAssert.Same(weights["model.embed_tokens.weight"], model.Decoder.TokenEmbeddingWeight.detach().narrow(0, 0, dims.Vocab));
    }

    [Fact]
    public void ConfigTakesTheLanguageFieldsAndAddsTheExtraTokens()
    {
        using var temp = new TempDirectory();
        var dims = new LanguageDims(Vocab: 50, Hidden: 24, Inter: 40, Layers: 3, Heads: 6, KvHeads: 3, MaxPositions: 300, RmsEps: 2e-5, RopeTheta: 100000);
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path, l: dims);

        var built = HfBackboneModelBuilder.Build(vision, language);
        using var model = built.Model;
        var c = model.Config;

        Assert.Equal((24, 40, 3, 6, 3, 300), (c.LmHiddenDim, c.LmInterDim, c.LmNBlocks, c.LmNHeads, c.LmNKvHeads, c.LmMaxPositionEmbeddings));
        Assert.Equal((2e-5, 100000.0), (c.LmRmsEps, c.LmReBase));
        Assert.Equal((50, ExtraTokens, 50 + ExtraTokens), (c.LmBaseVocabSize, c.ExtraTokenAmount, c.LmVocabSize));
        Assert.Equal(50, c.ImageTokenId);
        Assert.True(c.LmTieWeights);
        Assert.Equal("test/smollm2-tiny", c.LmModelType);
        Assert.Equal(RotaryEmbedding.ComputeInverseFrequencies(100000, 4), model.Decoder.Rotary.InverseFrequencies);
        // lm_max_length (HEAD's 4096) is past this LM's 300 positions: said, not silently accepted.
        Assert.Contains(built.Warnings, w => w.Contains("max_position_embeddings", StringComparison.Ordinal));
    }

    [Fact]
    public void ExtraTokenRowsAndProjectorAreFreshAndReproducibleFromTheSeed()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path);
        var vocab = new LanguageDims().Vocab;

        (Tensor Extra, Tensor Projector) Fresh(int seed)
        {
            using var model = HfBackboneModelBuilder.Build(vision, language, new HfImportOptions { Seed = seed }).Model;
            return (model.Decoder.TokenEmbeddingWeight.detach().narrow(0, vocab, ExtraTokens).clone(), Parameter(model, "MP.proj.weight").clone());
        }

        var (extra, projector) = Fresh(7);
        var (sameExtra, sameProjector) = Fresh(7);
        var (otherExtra, otherProjector) = Fresh(8);

        TensorAssert.Same(extra, sameExtra);
        TensorAssert.Same(projector, sameProjector);
        Assert.False(extra.allclose(otherExtra));
        Assert.False(projector.allclose(otherProjector));
        // N(0, 0.02), as the reference's init.normal_ (1056 and 1024 draws: loose bounds).
        foreach (var fresh in new[] { extra, projector })
        {
            var std = fresh.std().item<float>();
            Assert.InRange(std, 0.017, 0.023);
            Assert.InRange(fresh.mean().item<float>(), -0.004, 0.004);
        }
        Assert.Equal(new long[] { ExtraTokens, new LanguageDims().Hidden }, extra.shape);
    }

    [Fact]
    public void UntiedHeadKeepsLmHeadRowsAndGetsItsOwnNewRows()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var dims = new LanguageDims(Tied: false);
        var (vision, language, _, weights) = HfBackboneFixtures.WritePair(temp.Path, l: dims);

        var built = HfBackboneModelBuilder.Build(vision, language);
        using var model = built.Model;
        var head = model.Decoder.HeadWeight.detach();
        var embedding = model.Decoder.TokenEmbeddingWeight.detach();

        TensorAssert.Same(weights["lm_head.weight"], head.narrow(0, 0, dims.Vocab));
        TensorAssert.Same(weights["model.embed_tokens.weight"], embedding.narrow(0, 0, dims.Vocab));
        Assert.False(head.narrow(0, dims.Vocab, ExtraTokens).allclose(embedding.narrow(0, dims.Vocab, ExtraTokens)));
        Assert.Equal(66L * dims.Hidden * 2 + ParameterCount.ModalityProjector(model.Config), built.InitializedParameters);
    }

    [Fact]
    public void TieWeightsOptionOverridesTheBackbone()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();

        // A tied LM imported untied: the head starts as a copy of the extended embedding (the reference's way).
        var (vision, tiedLanguage, _, _) = HfBackboneFixtures.WritePair(System.IO.Path.Combine(temp.Path, "tied"));
        var untied = HfBackboneModelBuilder.Build(vision, tiedLanguage, new HfImportOptions { TieWeights = false });
        using (var model = untied.Model)
        {
            Assert.False(model.Decoder.TiedHead);
            Assert.Equal(HfHeadSource.CopyOfEmbedding, untied.HeadSource);
            TensorAssert.Same(model.Decoder.TokenEmbeddingWeight.detach(), model.Decoder.HeadWeight.detach());
        }

        // An untied LM imported tied: lm_head is dropped, and the user is told.
        var (vision2, untiedLanguage, _, _) = HfBackboneFixtures.WritePair(System.IO.Path.Combine(temp.Path, "untied"), l: new LanguageDims(Tied: false));
        var tied = HfBackboneModelBuilder.Build(vision2, untiedLanguage, new HfImportOptions { TieWeights = true });
        using (var model = tied.Model)
        {
            Assert.True(model.Decoder.TiedHead);
            Assert.Contains(tied.Warnings, w => w.Contains("lm_head.weight is not used", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void RopeThetaIsReadFromRopeParametersToo()
    {
        using var temp = new TempDirectory();
        var dims = new LanguageDims();
        var directory = System.IO.Path.Combine(temp.Path, "llama");
        var config = HfBackboneFixtures.LlamaConfig(dims);
        config.Remove("rope_theta");
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 123456.0 };
        HfBackboneFixtures.Write(directory, config, HfBackboneFixtures.LlamaTensors(dims, seed: 1));

        Assert.Equal(123456.0, LlamaBackboneConfig.Read(directory).RopeTheta);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(3, true)]
    public void ATokenizerOfAnotherSizeThanTheVocabIsReported(int extraVocabRows, bool warned)
    {
        using var temp = new TempDirectory();
        var json = TokenizerFixtures.TokenizerJson(TokenizerFixtures.TinyAddedTokens);
        var size = HfTokenizer.FromJson(json).VocabularySize;
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path, l: new LanguageDims(Vocab: size + extraVocabRows));
        File.WriteAllText(System.IO.Path.Combine(language, "tokenizer.json"), json);

        var built = HfBackboneModelBuilder.Build(vision, language);
        built.Model.Dispose();

        Assert.Equal(warned, built.Warnings.Any(w => w.Contains($"tokenizer.json has {size} tokens", StringComparison.Ordinal)));
    }
}
