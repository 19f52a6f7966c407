using TorchSharp;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Checkpoints.Sources;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Inference;

/// <summary>
/// Loads a model for inference from a nanoVLM checkpoint folder or a preset name, with the tokenizer that matches
/// its ids. nanoVLM checkpoints store no tokenizer, so it comes from, in order: an explicit tokenizer.json, a
/// tokenizer.json inside the checkpoint folder, or the built-in GPT-2 tokenizer when the model's vocabulary is
/// laid out for it (models this product trains from scratch).
/// </summary>
public static class VlmLoader
{
    public const string TokenizerFileName = "tokenizer.json";

    /// <summary>The base vocabulary presets get so that they use the built-in tokenizer's ids.</summary>
    public static int BuiltInBaseVocabSize => BuiltInTokenizers.NanoVlmGpt2().ImageTokenId;

    public static LoadedVlm Load(string modelDirectoryOrPreset, string? tokenizerPath = null, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectoryOrPreset);
        if (Directory.Exists(modelDirectoryOrPreset))
        {
            var loaded = NanoVlmCheckpoint.Load(modelDirectoryOrPreset, device);
            try
            {
                var tokenizer = ResolveTokenizer(loaded.Model.Config, tokenizerPath, modelDirectoryOrPreset);
                return new LoadedVlm(loaded.Model, tokenizer, $"checkpoint {Path.GetFullPath(modelDirectoryOrPreset)}", loaded.Warnings);
            }
            catch
            {
                loaded.Model.Dispose();
                throw;
            }
        }
        if (!ModelPresets.Names.Contains(modelDirectoryOrPreset, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"'{modelDirectoryOrPreset}' is neither a checkpoint folder nor a preset. Give a folder holding config.json and model.safetensors, or one of: {string.Join(", ", ModelPresets.Names)}.");
        }
        var config = ModelPresets.Get(modelDirectoryOrPreset, BuiltInBaseVocabSize);
        var model = new VisionLanguageModel(config);
        if (device is not null)
        {
            model.to(device);
        }
        var presetTokenizer = ResolveTokenizer(config, tokenizerPath, checkpointDirectory: null);
        return new LoadedVlm(model, presetTokenizer, $"preset {modelDirectoryOrPreset} (random weights)",
            [$"Preset '{modelDirectoryOrPreset}' has random weights: its answers are noise until it is trained."]);
    }

    private static NanoVlmTokenizer ResolveTokenizer(VlmConfig config, string? tokenizerPath, string? checkpointDirectory)
    {
        NanoVlmTokenizer tokenizer;
        if (tokenizerPath is not null)
        {
            tokenizer = NanoVlmTokenizer.Create(HfTokenizer.FromFile(tokenizerPath));
        }
        else if (checkpointDirectory is not null && File.Exists(Path.Combine(checkpointDirectory, TokenizerFileName)))
        {
            tokenizer = NanoVlmTokenizer.Create(HfTokenizer.FromFile(Path.Combine(checkpointDirectory, TokenizerFileName)));
        }
        else if (checkpointDirectory is not null && ModelSourceResolver.RunTokenizerFile(checkpointDirectory) is { } runTokenizer)
        {
            // A fine-tuned run's checkpoint answers with the tokenizer the run trained with.
            tokenizer = NanoVlmTokenizer.Create(HfTokenizer.FromFile(runTokenizer));
        }
        else if (config.ImageTokenId == BuiltInBaseVocabSize)
        {
            tokenizer = BuiltInTokenizers.NanoVlmGpt2();
        }
        else
        {
            throw new InvalidOperationException(
                $"No tokenizer for this model: its vocabulary ({config.LmBaseVocabSize} base tokens, '{config.LmTokenizer}') is not the built-in one. " +
                $"Put that tokenizer's {TokenizerFileName} in the checkpoint folder or pass it explicitly.");
        }
        if (tokenizer.ImageTokenId != config.ImageTokenId)
        {
            throw new InvalidOperationException(
                $"The tokenizer puts <|image|> at id {tokenizer.ImageTokenId} but the model expects {config.ImageTokenId}: they were not made for each other.");
        }
        return tokenizer;
    }
}
