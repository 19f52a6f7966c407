using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Parity;

/// <summary>What a <see cref="LogitsRunner.Run"/> computed, for the CLI to report.</summary>
public sealed record LogitsRunSummary(long[] LogitsShape, float? Loss, long[]? GeneratedShape, IReadOnlyList<string> Warnings);

/// <summary>
/// The logic behind the <c>logits</c> CLI verb: run a nanoVLM checkpoint on inputs from a safetensors file and
/// write what the reference's parity cases hold, so results can be compared with PyTorch's.
/// </summary>
/// <remarks>
/// Input: <c>input_ids</c> int64 [B,T]; optional <c>attention_mask</c> int64 [B,T] (all ones if absent),
/// <c>pixel_values</c> float32 [N,3,H,W], <c>labels</c> int64 [B,T] (-100 = ignored, already shifted).
/// Output: <c>logits</c> float32 [B,T,V] (head on every position); <c>loss</c> float32 scalar when labels are
/// given; <c>generated</c> int64 [B,N] with <c>generate</c> = N (greedy, KV cache, no EOS stop).
/// </remarks>
public static class LogitsRunner
{
    public static LogitsRunSummary Run(string modelDir, string input, string output, int? generate, long? imageTokenId)
    {
        if (generate is <= 0) throw new ArgumentOutOfRangeException(nameof(generate), generate, "--generate must be a positive number of tokens.");
        var loaded = NanoVlmCheckpoint.Load(modelDir);
        using var model = loaded.Model;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var inputs = SafeTensors.Load(input);
        var inputIds = Require(inputs, "input_ids", input, ScalarType.Int64, rank: 2);
        var batch = inputIds.shape[0];
        var length = inputIds.shape[1];
        var attentionMask = Optional(inputs, "attention_mask", input, ScalarType.Int64, [batch, length]);
        var labels = Optional(inputs, "labels", input, ScalarType.Int64, [batch, length]);
        var pixelValues = inputs.TryGetValue("pixel_values", out var pixels) ? pixels.to(ScalarType.Float32) : null;
        var unknown = inputs.Keys.Except(["input_ids", "attention_mask", "labels", "pixel_values"]).ToList();
        List<string> warnings = [.. loaded.Warnings];
        if (unknown.Count > 0) warnings.Add($"ignored input tensors: {string.Join(", ", unknown)}.");

        var hidden = model.Forward(inputIds, pixelValues, attentionMask, imageTokenId); // [B, T, H]
        var results = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["logits"] = model.Logits(hidden).to(ScalarType.Float32).contiguous(),      // [B, T, V]
        };
        float? loss = null;
        if (labels is not null)
        {
            var lossTensor = model.Loss(hidden, labels);
            loss = lossTensor.item<float>();
            results["loss"] = lossTensor;
        }
        long[]? generatedShape = null;
        if (generate is { } steps)
        {
            var generated = VlmGeneration.Generate(model, inputIds, pixelValues, attentionMask, new GenerationOptions(steps), imageTokenId);
            generatedShape = generated.shape;
            results["generated"] = generated;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null) Directory.CreateDirectory(directory);
        SafeTensors.Save(output, results, new Dictionary<string, string> { ["format"] = "pt" });
        return new LogitsRunSummary(results["logits"].shape, loss, generatedShape, warnings);
    }

    private static Tensor Require(Dictionary<string, Tensor> inputs, string name, string file, ScalarType dtype, int rank)
    {
        if (!inputs.TryGetValue(name, out var value))
            throw new InvalidDataException($"{file} has no '{name}' tensor (found: {string.Join(", ", inputs.Keys)}).");
        if (value.dtype != dtype || value.dim() != rank)
            throw new InvalidDataException($"{file}: '{name}' must be {dtype} with {rank} dimensions, got {value.dtype} [{string.Join(", ", value.shape)}].");
        return value;
    }

    private static Tensor? Optional(Dictionary<string, Tensor> inputs, string name, string file, ScalarType dtype, long[] shape)
    {
        if (!inputs.TryGetValue(name, out var value)) return null;
        if (value.dtype != dtype || !value.shape.SequenceEqual(shape))
            throw new InvalidDataException($"{file}: '{name}' must be {dtype} [{string.Join(", ", shape)}], got {value.dtype} [{string.Join(", ", value.shape)}].");
        return value;
    }
}
