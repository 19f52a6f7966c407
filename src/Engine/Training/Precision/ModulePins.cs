namespace NanoVlm.Engine.Training.Precision;

/// <summary>
/// The modules a run computes in float32 while the rest of the model runs in a half precision (the <c>pin</c> NaN
/// policy's remedy for a module whose activations exceed fp16's range). A pinned module covers everything inside it:
/// pinning <c>decoder.blocks.0.mlp</c> pins its three projections. Names are state-dict style module names, as the NaN
/// diagnosis gives them.
/// </summary>
public sealed class ModulePins
{
    private readonly string[] _modules;

    public ModulePins(IEnumerable<string> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        _modules = [.. modules.Select(m => m.Trim()).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public static ModulePins None { get; } = new([]);

    /// <summary>The pinned modules, sorted.</summary>
    public IReadOnlyList<string> Modules => _modules;

    public bool IsEmpty => _modules.Length == 0;

    public int Count => _modules.Length;

    /// <summary>Whether <paramref name="module"/> is pinned itself or lies inside a pinned module.</summary>
    public bool Covers(string module)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var pinned in _modules)
        {
            if (module.Length == pinned.Length ? module == pinned
                : module.Length > pinned.Length && module[pinned.Length] == '.' && module.StartsWith(pinned, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>The pinned modules that no other pinned module contains (where the float32 islands begin).</summary>
    public IReadOnlyList<string> Outermost => [.. _modules.Where(m => !_modules.Any(other => other != m && new ModulePins([other]).Covers(m)))];

    public ModulePins With(IEnumerable<string> more) => new(_modules.Concat(more));

    public override string ToString() => _modules.Length == 0 ? "none" : string.Join(", ", _modules);
}
