namespace NanoVlm.Client.Services;

/// <summary>
/// One activation-headroom measurement of a run (every <c>headroom_interval</c> steps): each module's largest
/// |activation| and its fp16 headroom, 65504 / max|a|. Below 1× the module overflows fp16; below
/// <see cref="WarnFactor"/> the engine warns.
/// </summary>
public sealed record HeadroomSample(long Step, double WarnFactor, IReadOnlyList<ModuleHeadroomInfo> Modules)
{
    /// <summary>The tightest module's headroom (0 when a module's output was already non-finite).</summary>
    public double Minimum => Modules.Count == 0 ? double.PositiveInfinity : Modules.Min(m => m.Headroom);
}

/// <summary>One module's largest |activation| and its fp16 headroom (+∞ when its outputs were all zero).</summary>
public sealed record ModuleHeadroomInfo(string Module, double MaxAbs, double Headroom);
