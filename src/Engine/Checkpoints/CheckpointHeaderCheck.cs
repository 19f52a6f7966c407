using System.Globalization;
using System.Text.RegularExpressions;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Refusals;

namespace NanoVlm.Engine.Checkpoints;

/// <summary>
/// Checks a checkpoint's <c>model.safetensors</c> against the model its config describes from the file's header
/// alone: the weights are not read and no model is built, so a 2 GB checkpoint with the wrong config.json is refused
/// in milliseconds. Accepts what <see cref="NanoVlmCheckpoint.ImportStateDict"/> accepts: the tied matrix under
/// <c>decoder.head.weight</c>, <c>decoder.token_embedding.weight</c> or both, and the rotary buffer present or not.
/// </summary>
public static partial class CheckpointHeaderCheck
{
    private static readonly HashSet<string> FloatingPoint = new(StringComparer.Ordinal) { "F32", "F16", "BF16", "F64" };

    /// <exception cref="CheckpointShapeMismatchException">the first tensor that differs, with both shapes</exception>
    /// <exception cref="InvalidDataException">the file is not a readable safetensors file</exception>
    public static void Ensure(VlmConfig config, string weightsFile)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (entries, _) = SafeTensors.ReadHeader(weightsFile);
        var file = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var problems = new List<(string Tensor, string InFile, string FromConfig)>();
        var consumed = new HashSet<string>(StringComparer.Ordinal);

        void Compare(string expectedName, long[] expected, string fileKey)
        {
            consumed.Add(fileKey);
            if (!file.TryGetValue(fileKey, out var entry))
                problems.Add((expectedName, "absent", StateDictShapes.Format(expected)));
            else if (!FloatingPoint.Contains(entry.DType))
                problems.Add((fileKey, $"{entry.DType} {StateDictShapes.Format(entry.Shape)} (not floating point)", StateDictShapes.Format(expected)));
            else if (!entry.Shape.SequenceEqual(expected))
                problems.Add((fileKey, StateDictShapes.Format(entry.Shape), StateDictShapes.Format(expected)));
        }

        foreach (var (name, shape) in StateDictShapes.For(config))
        {
            if (config.LmTieWeights && name == NanoVlmCheckpoint.HeadKey)
            {
                // The tied matrix: either name, or both (ImportStateDict then also checks that they agree).
                var key = file.ContainsKey(NanoVlmCheckpoint.HeadKey) || !file.ContainsKey(NanoVlmCheckpoint.EmbeddingKey)
                    ? NanoVlmCheckpoint.HeadKey
                    : NanoVlmCheckpoint.EmbeddingKey;
                Compare(name, shape, key);
                if (key == NanoVlmCheckpoint.HeadKey && file.ContainsKey(NanoVlmCheckpoint.EmbeddingKey))
                    Compare(NanoVlmCheckpoint.EmbeddingKey, shape, NanoVlmCheckpoint.EmbeddingKey);
                continue;
            }
            Compare(name, shape, name);
        }
        if (file.ContainsKey(NanoVlmCheckpoint.InverseFrequencyKey))
            Compare(NanoVlmCheckpoint.InverseFrequencyKey, StateDictShapes.InverseFrequencyShape(config), NanoVlmCheckpoint.InverseFrequencyKey);
        foreach (var entry in entries.Where(e => !consumed.Contains(e.Name)))
            problems.Add((entry.Name, StateDictShapes.Format(entry.Shape), "absent"));

        if (problems.Count == 0) return;
        var (tensor, inFile, fromConfig) = problems[0];
        throw new CheckpointShapeMismatchException(weightsFile, tensor, inFile, fromConfig, problems.Count, Hint(config, entries));
    }

    /// <summary>Which config.json fields disagree with the file, where the file's tensor names and shapes tell.</summary>
    private static string? Hint(VlmConfig config, IReadOnlyList<SafeTensorEntry> entries)
    {
        var hints = new List<string>();
        void Count(Regex pattern, int configured, string part, string field)
        {
            var indices = entries.Select(e => pattern.Match(e.Name)).Where(m => m.Success)
                .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            if (indices.Count > 0 && indices.Max() + 1 != configured)
                hints.Add($"the file has {indices.Max() + 1} {part} blocks, {field} is {configured}");
        }
        Count(DecoderBlock(), config.LmNBlocks, "decoder", "lm_n_blocks");
        Count(VisionBlock(), config.VitNBlocks, "vision", "vit_n_blocks");
        var embedding = entries.FirstOrDefault(e => e.Name is NanoVlmCheckpoint.HeadKey or NanoVlmCheckpoint.EmbeddingKey && e.Shape.Length == 2);
        if (embedding is not null && embedding.Shape[0] != config.LmVocabSize)
            hints.Add($"the file's embedding has {embedding.Shape[0]} rows, lm_vocab_size is {config.LmVocabSize}");
        if (embedding is not null && embedding.Shape[1] != config.LmHiddenDim)
            hints.Add($"the file's embedding is {embedding.Shape[1]} wide, lm_hidden_dim is {config.LmHiddenDim}");
        return hints.Count == 0 ? null : "In short: " + string.Join("; ", hints) + ".";
    }

    [GeneratedRegex(@"^decoder\.blocks\.(\d+)\.")]
    private static partial Regex DecoderBlock();

    [GeneratedRegex(@"^vision_encoder\.blocks\.(\d+)\.")]
    private static partial Regex VisionBlock();
}
