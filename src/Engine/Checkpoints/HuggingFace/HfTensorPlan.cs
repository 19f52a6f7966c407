using static TorchSharp.torch;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>One Hugging Face tensor a nanoVLM tensor is built from, with the shape the backbone's config implies.</summary>
internal sealed record HfTensorSource(string Key, long[] Shape);

/// <summary>One nanoVLM tensor: its state-dict key, its Hugging Face sources, and how they combine.</summary>
internal sealed record HfTensorRule(string NanoKey, IReadOnlyList<HfTensorSource> Sources, Func<IReadOnlyList<Tensor>, Tensor> Build);

/// <summary>
/// The mapping from a backbone's Hugging Face tensors to nanoVLM state-dict entries. <see cref="Check"/> compares
/// it with the weight files' headers (no data read) and reports every missing, unexpected and mis-shaped tensor in
/// one error; <see cref="Materialize"/> then loads the sources and builds the float32 nanoVLM tensors.
/// </summary>
internal sealed class HfTensorPlan
{
    private readonly List<HfTensorRule> _rules = [];
    private readonly List<(string NanoKey, string FromNanoKey)> _copies = [];

    public IReadOnlyList<HfTensorRule> Rules => _rules;

    /// <summary>nanoVLM <paramref name="nanoKey"/> is HF <paramref name="hfKey"/>, optionally reshaped by <paramref name="transform"/>.</summary>
    public void Copy(string nanoKey, string hfKey, long[] shape, Func<Tensor, Tensor>? transform = null) =>
        _rules.Add(new HfTensorRule(nanoKey, [new HfTensorSource(hfKey, shape)], t => transform is null ? t[0] : transform(t[0])));

    /// <summary>nanoVLM <paramref name="nanoKey"/> is the HF sources concatenated along dim 0, in the order given.</summary>
    public void Concatenate(string nanoKey, IReadOnlyList<HfTensorSource> sources) =>
        _rules.Add(new HfTensorRule(nanoKey, sources, t => cat(t.ToList(), 0)));

    /// <summary>nanoVLM <paramref name="nanoKey"/> starts as an independent copy of the built <paramref name="fromNanoKey"/>.</summary>
    public void CopyOfBuilt(string nanoKey, string fromNanoKey) => _copies.Add((nanoKey, fromNanoKey));

    /// <summary>
    /// Throws <see cref="HfBackboneTensorMismatchException"/> unless every source exists with its expected shape and
    /// a floating-point dtype, and every tensor <paramref name="owned"/> claims is used or <paramref name="ignored"/>.
    /// </summary>
    /// <param name="owned">tensors of this backbone's part of the file (others, e.g. SigLIP's text tower, are skipped)</param>
    /// <param name="ignored">owned tensors that are deliberately not used (e.g. SigLIP's pooling head)</param>
    public void Check(HfWeightsFolder folder, Func<string, bool> owned, Func<string, bool> ignored)
    {
        var missing = new List<string>();
        var mismatched = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var fileNames = string.Join(", ", folder.Files.Select(Path.GetFileName));

        foreach (var source in _rules.SelectMany(r => r.Sources))
        {
            if (!used.Add(source.Key)) continue;
            if (!folder.Tensors.TryGetValue(source.Key, out var location))
            {
                missing.Add($"{source.Key} [{Show(source.Shape)}] (not in {fileNames})");
                continue;
            }
            var entry = location.Entry;
            if (!IsFloatingPoint(entry.DType))
                mismatched.Add($"{source.Key} in {Path.GetFileName(location.File)}: dtype {entry.DType}, expected a floating-point tensor");
            else if (!entry.Shape.SequenceEqual(source.Shape))
                mismatched.Add($"{source.Key} in {Path.GetFileName(location.File)}: shape [{Show(entry.Shape)}], the config implies [{Show(source.Shape)}]");
        }

        var unexpected = folder.Tensors
            .Where(t => owned(t.Key) && !used.Contains(t.Key) && !ignored(t.Key))
            .Select(t => $"{t.Key} [{Show(t.Value.Entry.Shape)}] in {Path.GetFileName(t.Value.File)}")
            .Order(StringComparer.Ordinal)
            .ToList();

        if (missing.Count + unexpected.Count + mismatched.Count > 0)
            throw new HfBackboneTensorMismatchException(folder.Directory, missing, unexpected, mismatched);
    }

    /// <summary>
    /// Loads the sources and builds every nanoVLM tensor as float32 on the CPU (in the caller's dispose scope).
    /// Sources are read rule by rule and released once used, so at most one rule's backbone tensors are held
    /// besides the result. Rules run in the order they were added, so random initialisation inside them is
    /// reproducible.
    /// </summary>
    public Dictionary<string, Tensor> Materialize(HfWeightsFolder folder)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var rule in _rules)
        {
            using var scope = NewDisposeScope();
            var loaded = folder.Load(rule.Sources.Select(s => s.Key));
            var inputs = rule.Sources.Select(s => loaded[s.Key].to(ScalarType.Float32)).ToList();
            result[rule.NanoKey] = rule.Build(inputs).contiguous().MoveToOuterDisposeScope();
        }
        foreach (var (nanoKey, fromNanoKey) in _copies) result[nanoKey] = result[fromNanoKey].clone();
        return result;
    }

    private static bool IsFloatingPoint(string dtype) => dtype is "F32" or "F16" or "BF16" or "F64";

    internal static string Show(IEnumerable<long> shape) => string.Join(", ", shape);
}
