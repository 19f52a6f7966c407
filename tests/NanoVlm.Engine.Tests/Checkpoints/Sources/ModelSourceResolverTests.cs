using System.Diagnostics;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Checkpoints.HuggingFace;
using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Refusals;
using NanoVlm.Engine.Tests.Checkpoints.HuggingFace;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Tests.Training;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Tests.Checkpoints.Sources;

public sealed class ModelSourceResolverTests
{
    [ReferenceCaseTheory]
    [InlineData("basic-tied")]
    [InlineData("untied-generate")]
    public void A_checkpoint_written_by_the_Python_reference_with_its_tokenizer_beside_it(string caseName)
    {
        using var temp = new TempDirectory();
        var folder = FineTuneFixtures.CopyReferenceModel(caseName, temp.File("model"));
        var tokenizer = FineTuneFixtures.WriteTokenizer(folder);

        var source = ModelSourceResolver.Resolve(folder);

        Assert.Equal(ModelSourceKind.NanoVlmCheckpoint, source.Kind);
        Assert.Equal(folder, source.Directory);
        Assert.Equal(Path.Combine(folder, "model.safetensors"), source.WeightsFile);
        Assert.Equal((TokenizerOrigin.ModelFolder, tokenizer), (source.Tokenizer.Origin, source.Tokenizer.File));
        Assert.Equal(300, source.Tokenizer.Tokenizer.ImageTokenId);
        Assert.Equal((96, 366), (source.Config.LmHiddenDim, source.Config.LmVocabSize));
        using (var model = NanoVlmCheckpoint.Load(folder).Model)
            Assert.Equal(model.parameters().Sum(p => p.numel()), source.Parameters.Total);
        Assert.Null(source.Parent);
        Assert.Null(source.Import);
        Assert.Contains(source.Parameters.Total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), source.Description, StringComparison.Ordinal);
    }

    [ReferenceCaseFact]
    public void A_tokenizer_that_already_holds_nanoVLMs_extra_tokens_fits_at_the_same_ids()
    {
        using var temp = new TempDirectory();
        var folder = FineTuneFixtures.CopyReferenceModel("basic-tied", temp.File("model"));
        FineTuneFixtures.WriteTokenizer(folder, withExtraTokens: true);

        var tokenizer = ModelSourceResolver.Resolve(folder).Tokenizer.Tokenizer;

        Assert.Equal(300, tokenizer.ImageTokenId);
        Assert.Equal(301, tokenizer.GlobalImageTokenId);
        Assert.Equal(365, tokenizer.TileTokenId(8, 8));
        Assert.Equal(366, tokenizer.Tokenizer.IdLimit);
    }

    [ReferenceCaseFact]
    public void A_model_without_a_tokenizer_that_fits_is_refused_with_both_sizes_and_what_to_do()
    {
        using var temp = new TempDirectory();
        var folder = FineTuneFixtures.CopyReferenceModel("basic-tied", temp.File("model"));

        // No tokenizer.json: the built-in tokenizer (50259 tokens) does not fit a 300-token base vocabulary.
        var missing = Assert.Throws<TokenizerVocabularyMismatchException>(() => ModelSourceResolver.Resolve(folder));
        Assert.Equal((366, 300, 50259), (missing.ModelVocabulary, missing.ModelBaseVocabulary, missing.TokenizerSize));
        Assert.Contains("366 token ids", missing.Message, StringComparison.Ordinal);
        Assert.Contains("50259 tokens", missing.Message, StringComparison.Ordinal);
        Assert.Contains("put it beside config.json", missing.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<RefusalException>(missing);

        // A tokenizer of another model: 310 tokens put <|image|> at 310 and produce ids up to 375.
        var other = FineTuneFixtures.WriteTokenizer(temp.File("other.tokenizer.json"), size: 310);
        var wrong = Assert.Throws<TokenizerVocabularyMismatchException>(() => ModelSourceResolver.Resolve(folder, new ModelSourceOptions(other)));
        Assert.Equal((310, 310, 376), (wrong.TokenizerSize, wrong.TokenizerImageTokenId, wrong.TokenizerIdLimit));
        Assert.Contains("310 tokens", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("<|image|> at id 310", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("<|image|> at id 300", wrong.Message, StringComparison.Ordinal);
    }

    [ReferenceCaseFact]
    public void Weights_that_do_not_match_config_json_are_refused_naming_the_first_tensor_and_both_shapes()
    {
        using var temp = new TempDirectory();
        var folder = FineTuneFixtures.CopyReferenceModel("basic-tied", temp.File("model"));
        FineTuneFixtures.WriteTokenizer(folder);
        FineTuneFixtures.EditConfig(folder, "lm_inter_dim", 320);

        var error = Assert.Throws<CheckpointShapeMismatchException>(() => ModelSourceResolver.Resolve(folder));

        Assert.Equal("decoder.blocks.0.mlp.gate_proj.weight", error.Tensor);
        Assert.Equal(("[256, 96]", "[320, 96]"), (error.ShapeInFile, error.ShapeFromConfig));
        Assert.Equal(9, error.MismatchCount); // gate, up and down in each of the 3 blocks
        Assert.Contains("decoder.blocks.0.mlp.gate_proj.weight, [256, 96] in the file but [320, 96] from config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.json these weights were saved with", error.Message, StringComparison.Ordinal);
    }

    [ReferenceCaseFact]
    public void The_shape_check_reads_only_the_header_so_a_config_of_a_huge_model_is_refused_at_once()
    {
        using var temp = new TempDirectory();
        var folder = FineTuneFixtures.CopyReferenceModel("basic-tied", temp.File("model"));
        // A config whose embedding alone would be 40 GB: building the model to compare would not get far.
        FineTuneFixtures.EditConfig(folder, "lm_base_vocab_size", 100_000_000);
        FineTuneFixtures.EditConfig(folder, "lm_vocab_size", 100_000_066);
        FineTuneFixtures.EditConfig(folder, "lm_n_blocks", 4);

        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<CheckpointShapeMismatchException>(() => ModelSourceResolver.Resolve(folder));

        Assert.Equal(("decoder.blocks.3.attn.q_proj.weight", "absent", "[96, 96]"), (error.Tensor, error.ShapeInFile, error.ShapeFromConfig));
        Assert.Contains("the file has 3 decoder blocks, lm_n_blocks is 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("the file's embedding has 366 rows, lm_vocab_size is 100000066", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}"); // generous: only a sanity bound on a shared machine
    }

    [Fact]
    public void Folders_without_a_model_are_refused_saying_what_they_lack()
    {
        using var temp = new TempDirectory();
        var empty = Directory.CreateDirectory(temp.File("empty")).FullName;

        Assert.Contains("no config.json", Assert.Throws<NotAModelSourceException>(() => ModelSourceResolver.Resolve(empty)).Message, StringComparison.Ordinal);
        Assert.Contains("No folder at", Assert.Throws<NotAModelSourceException>(() => ModelSourceResolver.Resolve(temp.File("absent"))).Message, StringComparison.Ordinal);

        VlmConfigFile.Save(TestConfigs.Micro(), Path.Combine(empty, "config.json"));
        Assert.Contains("no model.safetensors", Assert.Throws<NotAModelSourceException>(() => ModelSourceResolver.Resolve(empty)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_of_an_older_nanoVLM_generation_is_refused()
    {
        using var temp = new TempDirectory();
        var folder = temp.File("v0.2");
        // v0.2: a single <|image|> extra token (spec §2.5).
        var config = TestConfigs.Micro() with
        {
            VlmExtraTokens = new Dictionary<string, string> { ["image_token"] = "<|image|>" }, ExtraTokenAmount = 1, LmVocabSize = 101,
        };
        using (var model = new VisionLanguageModel(config)) NanoVlmCheckpoint.Save(model, folder);

        var error = Assert.Throws<NotAModelSourceException>(() => ModelSourceResolver.Resolve(folder));

        Assert.Contains("lists 1 nanoVLM extra tokens (<|image|>)", error.Message, StringComparison.Ordinal);
        Assert.Contains("older nanoVLM generation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_imported_model_records_its_tokenizer_at_import_and_uses_it()
    {
        using var temp = new TempDirectory();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path, l: new LanguageDims(Vocab: 300));
        FineTuneFixtures.WriteTokenizer(language);
        var output = temp.File("imported");

        HfBackboneImporter.Import(vision, language, output, new HfImportOptions { PixelShuffleFactor = 2 });
        var source = ModelSourceResolver.Resolve(output);

        Assert.Equal(ModelSourceKind.HuggingFaceImport, source.Kind);
        Assert.Equal(TokenizerOrigin.RecordedAtImport, source.Tokenizer.Origin);
        Assert.Equal(Path.Combine(output, "tokenizer.json"), source.Tokenizer.File);
        Assert.Equal(File.ReadAllText(Path.Combine(language, "tokenizer.json")), File.ReadAllText(source.Tokenizer.File!));
        Assert.Equal(300, source.Tokenizer.Tokenizer.ImageTokenId);
        Assert.Equal((Path.GetFullPath(vision), Path.GetFullPath(language)), (source.Import!.Vision, source.Import.Language));
        Assert.Contains("imported from Hugging Face backbones", source.Description, StringComparison.Ordinal);

        // A run started from it keeps that tokenizer in its folder, so the run's own checkpoints resolve to it.
        var run = temp.File("run");
        Assert.Equal(Path.Combine(run, "tokenizer.json"), source.Tokenizer.WriteBeside(run));
        Assert.Equal(File.ReadAllText(source.Tokenizer.File!), File.ReadAllText(Path.Combine(run, "tokenizer.json")));
    }

    [Fact]
    public void An_import_whose_language_folder_had_no_tokenizer_says_so_and_is_refused_until_one_is_given()
    {
        using var temp = new TempDirectory();
        var (vision, language, _, _) = HfBackboneFixtures.WritePair(temp.Path, l: new LanguageDims(Vocab: 300));
        var output = temp.File("imported");
        HfBackboneImporter.Import(vision, language, output, new HfImportOptions { PixelShuffleFactor = 2 });

        var record = ImportRecord.Read(output)!;
        Assert.Null(record.Tokenizer);
        Assert.Contains("has no tokenizer.json", record.TokenizerSource, StringComparison.Ordinal);
        var error = Assert.Throws<TokenizerVocabularyMismatchException>(() => ModelSourceResolver.Resolve(output));
        Assert.Contains("'test/smollm2-tiny'", error.Message, StringComparison.Ordinal); // the tokenizer to look for

        var given = FineTuneFixtures.WriteTokenizer(temp.File("smollm2-tokenizer.json"));
        var source = ModelSourceResolver.Resolve(output, new ModelSourceOptions(given));
        Assert.Equal((TokenizerOrigin.Explicit, given), (source.Tokenizer.Origin, source.Tokenizer.File));
    }

    [Fact]
    public void A_runs_checkpoint_names_its_run_and_step_and_a_run_folder_means_its_latest_checkpoint()
    {
        using var temp = new TempDirectory();
        var run = temp.File("my-run");
        var config = TrainingFixtures.Micro(steps: 4) with
        {
            Model = TrainingFixtures.MicroModel() with { LmBaseVocabSize = 300, LmVocabSize = 366 },
            CheckpointInterval = 2,
            KeepLastCheckpoints = 5,
        };
        using (var trainer = new Trainer(config, new SyntheticBatches(config.ResolveModel()),
                   new TrainerOptions { CheckpointDirectory = Path.Combine(run, "checkpoints") }, new TrainingFixtures.Recorder()))
            Assert.Equal(TrainingState.Completed, trainer.Run().State);
        var tokenizer = FineTuneFixtures.WriteTokenizer(run); // the run's own tokenizer, beside its run.json

        var step2 = ModelSourceResolver.Resolve(Path.Combine(run, "checkpoints", "step_000002"));
        var latest = ModelSourceResolver.Resolve(run);

        Assert.Equal(ModelSourceKind.RunCheckpoint, step2.Kind);
        Assert.Equal(new ParentRun(run, "my-run", 2, Path.Combine(run, "checkpoints", "step_000002")), step2.Parent);
        Assert.Equal((TokenizerOrigin.RunFolder, tokenizer), (step2.Tokenizer.Origin, step2.Tokenizer.File));
        Assert.Equal(4, latest.Parent!.Step);
        Assert.Equal(Path.Combine(run, "checkpoints", "step_000004"), latest.Directory);
        Assert.StartsWith("run my-run at step 4 (", latest.Description, StringComparison.Ordinal);

        // The playground loads the checkpoint with the same tokenizer (the checkpoint folder holds only the model).
        Assert.Equal(tokenizer, ModelSourceResolver.RunTokenizerFile(step2.Directory));
        using var loaded = NanoVlm.Engine.Inference.VlmLoader.Load(step2.Directory);
        Assert.Equal(step2.Tokenizer.Tokenizer.ImageTokenId, loaded.Tokenizer.ImageTokenId);
        Assert.Equal(step2.Tokenizer.Tokenizer.Tokenizer.Encode("total due"), loaded.Tokenizer.Tokenizer.Encode("total due"));
    }

    [Fact]
    public void A_model_laid_out_for_the_built_in_tokenizer_needs_no_tokenizer_file()
    {
        using var temp = new TempDirectory();
        var folder = temp.File("model");
        var config = TestConfigs.Micro() with { LmBaseVocabSize = 50259, LmVocabSize = 50325 };
        using (var model = new VisionLanguageModel(config)) NanoVlmCheckpoint.Save(model, folder);

        var source = ModelSourceResolver.Resolve(folder);

        Assert.Equal((TokenizerOrigin.BuiltIn, null), (source.Tokenizer.Origin, source.Tokenizer.File));
        Assert.Same(BuiltInTokenizers.NanoVlmGpt2(), source.Tokenizer.Tokenizer);
        Assert.Null(source.Tokenizer.WriteBeside(temp.File("run")));
        Assert.False(File.Exists(Path.Combine(temp.File("run"), "tokenizer.json")));
    }

    [Fact]
    public void The_run_checkpoints_folder_name_is_the_one_runs_write()
    {
        Assert.Equal(RunFiles.CheckpointsFolder, ModelSourceResolver.RunCheckpointsFolder);
        Assert.Equal("tokenizer.json", ModelSourceResolver.TokenizerFileName);
    }
}
