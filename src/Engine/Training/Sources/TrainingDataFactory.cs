using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;
using NanoVlm.Engine.Training.Data;

namespace NanoVlm.Engine.Training.Sources;

/// <summary>Data, validation ANLS and tokenizer for a run, ready for <see cref="Trainer"/>.</summary>
public sealed record PreparedTrainingData(ITrainingData Data, AnlsEvaluator Evaluator, NanoVlmTokenizer Tokenizer, string Description);

/// <summary>
/// Resolves a run's <c>data</c> setting: <c>synthetic:easy|medium|hard</c> (the built-in documents) or a path to any
/// DocVQA source the readers know. The tokenizer is the built-in one when the model's vocabulary is laid out for
/// it, else the given tokenizer.json.
/// </summary>
public static class TrainingDataFactory
{
    public const string SyntheticPrefix = "synthetic:";

    /// <summary>Validation documents of the synthetic split (each carries 2-3 questions).</summary>
    public const int SyntheticValidationDocuments = 48;

    /// <summary>Samples held out of a DocVQA source for validation.</summary>
    public const int HeldOutSamples = 64;

    /// <param name="imageCheck">which image files a DocVQA source may name (see <see cref="ImagePathCheck"/>); null allows any</param>
    public static PreparedTrainingData Create(TrainingConfig config, string? tokenizerPath = null, ImagePathCheck? imageCheck = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var model = config.ResolveModel();
        var tokenizer = tokenizerPath is not null
            ? NanoVlmTokenizer.Create(HfTokenizer.FromFile(tokenizerPath))
            : model.ImageTokenId == VlmLoader.BuiltInBaseVocabSize
                ? BuiltInTokenizers.NanoVlmGpt2()
                : throw new InvalidOperationException(
                    $"The model's vocabulary ({model.LmBaseVocabSize} base tokens, '{model.LmTokenizer}') is not the built-in tokenizer's; give its tokenizer.json.");
        if (tokenizer.ImageTokenId != model.ImageTokenId)
        {
            throw new InvalidOperationException($"The tokenizer puts <|image|> at id {tokenizer.ImageTokenId} but the model expects {model.ImageTokenId}.");
        }
        var collator = TrainingBatchCollator.ForModel(model, tokenizer, new CollatorOptions(config.MaxLength));

        if (config.Data.StartsWith(SyntheticPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var difficulty = SyntheticNames.ParseDifficulty(config.Data[SyntheticPrefix.Length..]);
            var synthetic = new SyntheticTrainingData(difficulty, config.Seed, collator, SyntheticValidationDocuments);
            var evaluator = new GreedyAnlsEvaluator([.. synthetic.ValidationSet.Samples()], tokenizer);
            return new PreparedTrainingData(synthetic, evaluator.Evaluate, tokenizer, $"synthetic documents ({difficulty.Name()})");
        }

        var reader = DocVqaReaders.Open(config.Data, DocVqaFormatNames.Auto, imageCheck);
        var docvqa = new DocVqaTrainingData(reader, collator, new SafeImageDecoder(ImageLimits.Default), HeldOutSamples);
        var heldOut = new GreedyAnlsEvaluator(docvqa.ValidationSamples, tokenizer);
        return new PreparedTrainingData(docvqa, heldOut.Evaluate, tokenizer, $"{reader.Format} at {config.Data}");
    }
}
