using NanoVlm.Engine.Model;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace NanoVlm.Engine.Training.Precision;

/// <summary>
/// Which modules of a model can be pinned to float32 (those taking and returning one tensor: layers, norms, MLPs, ViT
/// blocks, the projector, the head; the same modules the NaN guard's probe watches and can name), and how many
/// parameters a set of pins holds.
/// </summary>
public sealed class PinnableModules
{
    private readonly Dictionary<string, long> _parameters;
    private readonly HashSet<string> _leaves;
    private readonly HashSet<string> _halfComputed;

    public PinnableModules(VisionLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _parameters = new Dictionary<string, long>(StringComparer.Ordinal);
        _leaves = new HashSet<string>(StringComparer.Ordinal);
        _halfComputed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, module) in model.named_modules())
        {
            if (name.Length == 0 || module is not nn.Module<Tensor, Tensor>) continue;
            _parameters[name] = module.parameters().Sum(p => p.numel());
            if (!module.children().Any()) _leaves.Add(name);
            if (module is Linear or Conv2d or TiedLinearHead) _halfComputed.Add(name);
        }
        TotalParameters = model.parameters().Sum(p => p.numel());
    }

    public long TotalParameters { get; }

    /// <summary>Every module name that can be pinned, in the model's order.</summary>
    public IReadOnlyCollection<string> Names => _parameters.Keys;

    public bool Contains(string module) => _parameters.ContainsKey(module);

    /// <summary>Whether the module has no submodules (a layer, a norm, the head): where fp16 values are actually held.</summary>
    public bool IsLeaf(string module) => _leaves.Contains(module);

    /// <summary>
    /// Whether the module computes in the half precision under autocast (and under the fp16 emulation): the linear layers,
    /// convolutions and the logits head. Norms, softmax and the residual stream stay float32 anyway, so pinning one of
    /// them changes nothing; an overflow they feed shows up where a half-computed module casts its input down.
    /// </summary>
    public bool ComputesInHalf(string module) => _halfComputed.Contains(module);

    /// <summary>The share of all parameters inside the pinned modules (each counted once, nested pins included).</summary>
    public double ParameterFraction(ModulePins pins)
    {
        ArgumentNullException.ThrowIfNull(pins);
        var pinned = pins.Outermost.Sum(m => _parameters.GetValueOrDefault(m));
        return TotalParameters == 0 ? 0 : (double)pinned / TotalParameters;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every pin that is not a pinnable module of this model.</summary>
    public void EnsureKnown(IEnumerable<string> pins)
    {
        ArgumentNullException.ThrowIfNull(pins);
        var unknown = pins.Where(p => !Contains(p)).ToArray();
        if (unknown.Length == 0) return;
        // Names that begin with what was written (a name cut short) first, else the first block's layers as examples.
        var near = _parameters.Keys.Where(n => unknown.Any(u => n.StartsWith(u, StringComparison.Ordinal))).Take(4).ToArray();
        var examples = string.Join(", ", near.Length > 0 ? near : _leaves.Where(n => n.StartsWith("decoder.blocks.0.", StringComparison.Ordinal)).Take(4));
        throw new ArgumentException(
            $"pinned_modules: {string.Join(", ", unknown.Select(u => $"'{u}'"))} {(unknown.Length == 1 ? "is not a module" : "are not modules")} of this model " +
            $"that can be pinned to float32. Use names as the NaN alert gives them, e.g. {examples}.");
    }
}
