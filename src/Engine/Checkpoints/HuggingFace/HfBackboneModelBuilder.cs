using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>A nanoVLM model built from backbones, with how many parameters came from them and what was odd.</summary>
/// <param name="ImportedParameters">parameters copied from the backbones' tensors</param>
/// <param name="InitializedParameters">parameters initialised here: the modality projector and the extra token rows</param>
public sealed record HfBackboneModel(
    VisionLanguageModel Model,
    HfHeadSource HeadSource,
    long ImportedParameters,
    long InitializedParameters,
    IReadOnlyList<string> Warnings);

/// <summary>The nanoVLM config a pair of backbones gives, and what was odd about them.</summary>
public sealed record HfBackboneConfigResult(VlmConfig Config, IReadOnlyList<string> Warnings);

/// <summary>
/// Builds a <see cref="VisionLanguageModel"/> from a SigLIP/SigLIP2 vision folder and a SmolLM2/Llama language
/// folder on disk, as nanoVLM's <c>VisionLanguageModel(cfg, load_backbone=True)</c> does from the Hub: config
/// fields from the backbones, weights mapped per spec §2.3–2.4, extra token rows and the projector freshly
/// initialised from <see cref="HfImportOptions.Seed"/>.
/// </summary>
/// <remarks>
/// Both backbones are checked against their configs from the safetensors headers before any weights are read:
/// every missing, unexpected or mis-shaped tensor is reported at once (<see cref="HfBackboneTensorMismatchException"/>).
/// One deliberate difference from the reference: <c>lm_tie_weights</c> follows the LM's <c>tie_word_embeddings</c>
/// unless <see cref="HfImportOptions.TieWeights"/> says otherwise, so an untied LM keeps its trained head.
/// </remarks>
public static class HfBackboneModelBuilder
{
    /// <summary>Standard deviation of the fresh projector (nanoVLM's <c>ModalityProjector</c> init).</summary>
    public const double ProjectorStd = 0.02;

    /// <summary>
    /// The config (and so the size) the backbones give, from their config.json files alone: cheap enough to show
    /// before importing. Throws on unsupported or malformed configs, like <see cref="Build"/>.
    /// </summary>
    public static HfBackboneConfigResult ReadConfig(string visionDirectory, string languageDirectory, HfImportOptions? options = null)
    {
        var (_, _, config, warnings) = ReadConfigs(visionDirectory, languageDirectory, options ?? new HfImportOptions());
        return new HfBackboneConfigResult(config, warnings);
    }

    public static HfBackboneModel Build(string visionDirectory, string languageDirectory, HfImportOptions? options = null)
    {
        options ??= new HfImportOptions();
        var (vision, language, config, warnings) = ReadConfigs(visionDirectory, languageDirectory, options);

        var visionWeights = HfWeightsFolder.Open(visionDirectory);
        var languageWeights = HfWeightsFolder.Open(languageDirectory);
        var head = ChooseHead(config.LmTieWeights, language, languageWeights, warnings);

        using var generator = new Generator((ulong)options.Seed);
        var visionPlan = SiglipVisionMapping.Plan(vision);
        var languagePlan = LlamaMapping.Plan(language, config.ExtraTokenAmount, head, generator);
        CheckBoth(
            () => visionPlan.Check(visionWeights, SiglipVisionMapping.Owned, SiglipVisionMapping.Ignored),
            () => languagePlan.Check(languageWeights, LlamaMapping.Owned, LlamaMapping.Ignored(head)));

        var model = new VisionLanguageModel(config);
        try
        {
            using (var scope = NewDisposeScope())
            {
                var state = visionPlan.Materialize(visionWeights);
                foreach (var (key, tensor) in languagePlan.Materialize(languageWeights)) state.Add(key, tensor);
                state[NanoVlmCheckpoint.InverseFrequencyKey] = tensor(RotaryEmbedding.ComputeInverseFrequencies(config.LmReBase, config.LmHeadDim));
                var projectorInput = (long)config.VitHiddenDim * config.MpPixelShuffleFactor * config.MpPixelShuffleFactor;
                state["MP.proj.weight"] = randn([config.LmHiddenDim, projectorInput], generator: generator).mul_(ProjectorStd);
                warnings.AddRange(NanoVlmCheckpoint.ImportStateDict(model, state, $"backbones {visionDirectory} + {languageDirectory}"));
            }
            model.eval();
        }
        catch
        {
            model.Dispose();
            throw;
        }

        var total = ParameterCount.Of(config).Total;
        var extraRows = (long)config.ExtraTokenAmount * config.LmHiddenDim * (head == HfHeadSource.TiedToEmbedding ? 1 : 2);
        var initialized = ParameterCount.ModalityProjector(config) + extraRows;
        return new HfBackboneModel(model, head, total - initialized, initialized, warnings);
    }

    /// <summary>Runs both checks, so a user fixing two folders sees every problem of both in one error.</summary>
    private static void CheckBoth(Action checkVision, Action checkLanguage)
    {
        HfBackboneTensorMismatchException? visionProblems = null;
        try
        {
            checkVision();
        }
        catch (HfBackboneTensorMismatchException e)
        {
            visionProblems = e;
        }
        try
        {
            checkLanguage();
        }
        catch (HfBackboneTensorMismatchException e) when (visionProblems is not null)
        {
            throw HfBackboneTensorMismatchException.Combine(visionProblems, e);
        }
        if (visionProblems is not null) throw visionProblems;
    }

    private static (SiglipVisionBackboneConfig Vision, LlamaBackboneConfig Language, VlmConfig Config, List<string> Warnings) ReadConfigs(
        string visionDirectory, string languageDirectory, HfImportOptions options)
    {
        var warnings = new List<string>();
        var vision = SiglipVisionBackboneConfig.Read(visionDirectory);
        var language = LlamaBackboneConfig.Read(languageDirectory);
        var config = HfBackboneConfigBuilder.Build(vision, language, options, warnings);
        CheckTokenizerSize(languageDirectory, language, warnings);
        return (vision, language, config, warnings);
    }

    private static HfHeadSource ChooseHead(bool tieWeights, LlamaBackboneConfig language, HfWeightsFolder weights, List<string> warnings)
    {
        var hasLmHead = weights.Tensors.ContainsKey(LlamaMapping.LmHeadKey);
        if (tieWeights)
        {
            if (!language.TieWordEmbeddings)
                warnings.Add($"{language.Name} has an untied head, but the nanoVLM head is tied to the embedding: {LlamaMapping.LmHeadKey} is not used.");
            else if (hasLmHead)
                warnings.Add($"{language.Name} stores {LlamaMapping.LmHeadKey} although tie_word_embeddings is true; it is ignored, as transformers ignores it.");
            return HfHeadSource.TiedToEmbedding;
        }
        return language.TieWordEmbeddings ? HfHeadSource.CopyOfEmbedding : HfHeadSource.LmHead;
    }

    /// <summary>
    /// nanoVLM numbers its extra tokens from the tokenizer's length, and the new embedding rows from the LM's
    /// vocab_size: when a tokenizer.json beside the weights disagrees, the image token would get the wrong row.
    /// </summary>
    private static void CheckTokenizerSize(string languageDirectory, LlamaBackboneConfig language, List<string> warnings)
    {
        var path = Path.Combine(languageDirectory, "tokenizer.json");
        if (!File.Exists(path)) return;
        try
        {
            var size = HfTokenizer.FromFile(path).VocabularySize;
            if (size != language.VocabSize)
                warnings.Add($"tokenizer.json has {size} tokens but vocab_size is {language.VocabSize}; nanoVLM's extra tokens would get ids from {size}, while their embedding rows start at {language.VocabSize}.");
        }
        catch (Exception e) when (e is UnsupportedTokenizerException or InvalidDataException or System.Text.Json.JsonException or FormatException)
        {
            warnings.Add($"could not read {path} to check its size against vocab_size: {e.Message}");
        }
    }
}
