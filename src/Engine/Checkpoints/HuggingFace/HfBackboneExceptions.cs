namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>
/// A Hugging Face backbone folder that cannot be read: no config, malformed JSON, a field of the wrong type, an
/// index that names shard files which are not there.
/// </summary>
public sealed class HfBackboneFormatException : Exception
{
    public HfBackboneFormatException() { }
    public HfBackboneFormatException(string message) : base(message) { }
    public HfBackboneFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// A well-formed backbone of an architecture (or with a feature) that nanoVLM's ViT or decoder cannot express,
/// such as a <c>model_type</c> other than SigLIP/SigLIP2/Llama, biased attention projections or RoPE scaling.
/// </summary>
public sealed class UnsupportedHfBackboneException : Exception
{
    public UnsupportedHfBackboneException(string directory, string? modelType, IReadOnlyList<string> reasons)
        : base($"{directory}: unsupported backbone{(modelType is null ? "" : $" (model_type '{modelType}')")}:" + Environment.NewLine
               + string.Join(Environment.NewLine, reasons.Select(r => "  - " + r)))
    {
        Directory = directory;
        ModelType = modelType;
        Reasons = reasons;
    }

    public UnsupportedHfBackboneException() : this("backbone", null, []) { }
    public UnsupportedHfBackboneException(string message) : base(message) { Reasons = [message]; }
    public UnsupportedHfBackboneException(string message, Exception inner) : base(message, inner) { Reasons = [message]; }

    /// <summary>The backbone folder.</summary>
    public string Directory { get; } = "";

    /// <summary>The config's <c>model_type</c>, when it has one.</summary>
    public string? ModelType { get; }

    /// <summary>Every reason the backbone cannot be used.</summary>
    public IReadOnlyList<string> Reasons { get; } = [];
}

/// <summary>
/// Backbone weights that do not fit what the backbone's own config describes. Lists every missing, unexpected and
/// mis-shaped tensor at once, each with the file it came from (or should have come from).
/// </summary>
public sealed class HfBackboneTensorMismatchException : Exception
{
    public HfBackboneTensorMismatchException(string directory, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
        : base(Describe(directory, missing, unexpected, mismatched))
    {
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    private HfBackboneTensorMismatchException(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched, string message)
        : base(message)
    {
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    public HfBackboneTensorMismatchException() : this("backbone", [], [], []) { }
    public HfBackboneTensorMismatchException(string message) : base(message) { }
    public HfBackboneTensorMismatchException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Tensors the config implies that no weights file holds.</summary>
    public IReadOnlyList<string> Missing { get; } = [];

    /// <summary>Tensors in the weights files that the config gives no place to.</summary>
    public IReadOnlyList<string> Unexpected { get; } = [];

    /// <summary>Tensors with a shape or dtype other than the config implies, with the details.</summary>
    public IReadOnlyList<string> Mismatched { get; } = [];

    /// <summary>Both backbones' problems in one error (each section still names its own folder).</summary>
    public static HfBackboneTensorMismatchException Combine(HfBackboneTensorMismatchException first, HfBackboneTensorMismatchException second) =>
        new([.. first.Missing, .. second.Missing], [.. first.Unexpected, .. second.Unexpected], [.. first.Mismatched, .. second.Mismatched],
            first.Message + Environment.NewLine + second.Message);

    private static string Describe(string directory, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
    {
        var lines = new List<string> { $"The weights in {directory} do not match its config.json:" };
        void Section(string title, IReadOnlyList<string> items)
        {
            if (items.Count == 0) return;
            lines.Add($"  {title} ({items.Count}):");
            lines.AddRange(items.Select(i => "    - " + i));
        }
        Section("missing tensors", missing);
        Section("unexpected tensors", unexpected);
        Section("mismatched tensors", mismatched);
        return string.Join(Environment.NewLine, lines);
    }
}
