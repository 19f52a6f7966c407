using System.Text;
using NanoVlm.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Checkpoints;

/// <summary>A model read from a checkpoint folder, with what was odd about the files.</summary>
public sealed record CheckpointLoadResult(VisionLanguageModel Model, IReadOnlyList<string> Warnings);

/// <summary>
/// nanoVLM's <c>save_pretrained</c> folder: <c>config.json</c> plus <c>model.safetensors</c> under nanoVLM's
/// state-dict keys (spec §2.1–2.2), float32.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Tied head: stored once as <c>decoder.head.weight</c> (what safetensors' <c>save_model</c> keeps of the
/// shared pair); loading accepts that name, <c>decoder.token_embedding.weight</c>, or both (then they must agree).</item>
/// <item><c>decoder.rotary_embd.inv_freq</c> is written, and loaded when present (recomputed from the config when
/// absent, with a warning).</item>
/// <item>Saving is atomic: both files are written into a temporary folder beside the target, which then takes the
/// target's place; a crash leaves either the old checkpoint or the new one, never half of one.</item>
/// </list>
/// </remarks>
public static class NanoVlmCheckpoint
{
    public const string WeightsFileName = "model.safetensors";
    public const string HeadKey = "decoder.head.weight";
    public const string EmbeddingKey = "decoder.token_embedding.weight";
    public const string InverseFrequencyKey = "decoder.rotary_embd.inv_freq";

    /// <summary>Reads a checkpoint folder into a new model (eval mode) on <paramref name="device"/> (CPU by default).</summary>
    public static CheckpointLoadResult Load(string directory, Device? device = null)
    {
        var (config, configWarnings) = VlmConfigFile.Load(directory);
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"No {WeightsFileName} in {directory}.", weightsPath);

        var model = new VisionLanguageModel(config);
        try
        {
            List<string> warnings = [.. configWarnings];
            using (var scope = NewDisposeScope())
            {
                var tensors = SafeTensors.Load(weightsPath);
                warnings.AddRange(ImportStateDict(model, tensors, weightsPath));
            }
            if (device is not null) model.to(device);
            model.eval();
            return new CheckpointLoadResult(model, warnings);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <c>config.json</c> and <c>model.safetensors</c> to <paramref name="directory"/>, replacing the folder
    /// as a whole if it exists. <paramref name="addFiles"/> may write more files (a tokenizer, a provenance record)
    /// into the staging folder it is given, so that they arrive together with the weights.
    /// </summary>
    public static void Save(VisionLanguageModel model, string directory, Action<string>? addFiles = null)
    {
        var target = Path.GetFullPath(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"Cannot save a checkpoint at the root {target}.", nameof(directory));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(target);
        var staging = Path.Combine(parent, $".{name}.saving-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            WriteDurably(Path.Combine(staging, VlmConfigFile.FileName), VlmConfigFile.ToJson(model.Config));
            using (var scope = NewDisposeScope())
            {
                SafeTensors.Save(Path.Combine(staging, WeightsFileName), ExportStateDict(model),
                    new Dictionary<string, string> { ["format"] = "pt" });
            }
            addFiles?.Invoke(staging);
            Swap(staging, target, parent, name);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// The tensors a nanoVLM checkpoint holds for this model: nanoVLM keys, float32, CPU (created in the caller's
    /// dispose scope).
    /// </summary>
    public static Dictionary<string, Tensor> ExportStateDict(VisionLanguageModel model)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var key = model.Decoder.TiedHead && name == EmbeddingKey ? HeadKey : name;
            result[key] = parameter.detach().to(ScalarType.Float32, CPU).contiguous();
        }
        foreach (var (name, buffer) in model.named_buffers())
        {
            result[name] = buffer.detach().to(CPU).contiguous();
        }
        result[InverseFrequencyKey] = tensor(model.Decoder.Rotary.InverseFrequencies.ToArray(), dtype: ScalarType.Float32);
        return result;
    }

    /// <summary>
    /// Copies nanoVLM-keyed tensors into the model (converting dtype and device). Throws one
    /// <see cref="CheckpointMismatchException"/> listing every missing, unexpected and mis-shaped tensor; returns
    /// warnings for tolerated oddities.
    /// </summary>
    public static IReadOnlyList<string> ImportStateDict(VisionLanguageModel model, IReadOnlyDictionary<string, Tensor> tensors, string source = "checkpoint")
    {
        var warnings = new List<string>();
        var missing = new List<string>();
        var mismatched = new List<string>();
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        var assignments = new List<(Tensor Target, Tensor Source)>();

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        foreach (var (name, buffer) in model.named_buffers()) parameters[name] = buffer;

        void Assign(string parameterName, string fileKey)
        {
            consumed.Add(fileKey);
            var target = parameters[parameterName];
            var source = tensors[fileKey];
            if (!IsFloatingPoint(source.dtype) && IsFloatingPoint(target.dtype))
                mismatched.Add($"{fileKey}: dtype {source.dtype}, expected a floating-point tensor");
            else if (!source.shape.SequenceEqual(target.shape))
                mismatched.Add($"{fileKey}: shape [{string.Join(", ", source.shape)}] in the file, [{string.Join(", ", target.shape)}] in the model");
            else
                assignments.Add((target, source));
        }

        // The tied matrix may be stored under either name.
        if (model.Decoder.TiedHead)
        {
            var hasHead = tensors.ContainsKey(HeadKey);
            var hasEmbedding = tensors.ContainsKey(EmbeddingKey);
            if (hasHead && hasEmbedding)
            {
                consumed.Add(EmbeddingKey);
                var (head, embedding) = (tensors[HeadKey], tensors[EmbeddingKey]);
                if (!head.shape.SequenceEqual(embedding.shape) || !head.to(ScalarType.Float32).eq(embedding.to(ScalarType.Float32)).all().item<bool>())
                    mismatched.Add($"{HeadKey} and {EmbeddingKey} differ, but lm_tie_weights is true (they must be one matrix)");
            }
            if (hasHead) Assign(EmbeddingKey, HeadKey);
            else if (hasEmbedding) Assign(EmbeddingKey, EmbeddingKey);
            else missing.Add($"{HeadKey} (the tied embedding/head; {EmbeddingKey} is accepted too)");
        }

        foreach (var name in parameters.Keys)
        {
            if (model.Decoder.TiedHead && name == EmbeddingKey) continue;
            if (tensors.ContainsKey(name)) Assign(name, name);
            else missing.Add(name);
        }

        float[]? inverseFrequencies = null;
        if (tensors.TryGetValue(InverseFrequencyKey, out var invFreq))
        {
            consumed.Add(InverseFrequencyKey);
            var expectedLength = model.Config.LmHeadDim / 2;
            if (invFreq.dim() != 1 || invFreq.shape[0] != expectedLength)
                mismatched.Add($"{InverseFrequencyKey}: shape [{string.Join(", ", invFreq.shape)}] in the file, [{expectedLength}] in the model");
            else if (!IsFloatingPoint(invFreq.dtype))
                mismatched.Add($"{InverseFrequencyKey}: dtype {invFreq.dtype}, expected a floating-point tensor");
            else
                inverseFrequencies = invFreq.to(ScalarType.Float32).data<float>().ToArray();
        }
        else
        {
            warnings.Add($"{source} has no {InverseFrequencyKey}; recomputed it from lm_re_base.");
        }

        var unexpected = tensors.Keys.Where(k => !consumed.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
            throw new CheckpointMismatchException(source, missing, unexpected, mismatched);

        using (no_grad())
        {
            foreach (var (target, source2) in assignments)
            {
                using var scope = NewDisposeScope();
                target.copy_(source2.to(target.dtype, target.device));
            }
        }
        if (inverseFrequencies is not null)
        {
            var computed = RotaryEmbedding.ComputeInverseFrequencies(model.Config.LmReBase, model.Config.LmHeadDim);
            var largest = computed.Zip(inverseFrequencies, (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), 1e-30)).Max();
            if (largest > 1e-5)
                warnings.Add($"{InverseFrequencyKey} in {source} differs from what lm_re_base = {model.Config.LmReBase} gives (relative difference up to {largest:g3}); using the file's values, as the reference does.");
            model.Decoder.Rotary.InverseFrequencies = inverseFrequencies;
        }
        return warnings;
    }

    private static bool IsFloatingPoint(ScalarType dtype) =>
        dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    private static void WriteDurably(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(new UTF8Encoding(false).GetBytes(text));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Puts the staged folder in the target's place; the old target is removed only once the new one is in place.</summary>
    private static void Swap(string staging, string target, string parent, string name)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        var retired = Path.Combine(parent, $".{name}.replaced-{Guid.NewGuid():N}");
        Directory.Move(target, retired);
        try
        {
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Move(retired, target);
            throw;
        }
        Directory.Delete(retired, recursive: true);
    }
}
