using LiteDB;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Storage.Documents;

/// <summary>One activation-headroom measurement of a run: every observed module at one step.</summary>
public sealed class HeadroomDocument
{
    public ObjectId Id { get; set; } = ObjectId.Empty;
    public string RunId { get; set; } = "";
    public long Step { get; set; }
    public double WarnFactor { get; set; }

    /// <summary>BSON keeps +∞ (an all-zero module) and the 0 of a non-finite module as they are.</summary>
    public List<ModuleHeadroomEntry> Modules { get; set; } = [];

    public static HeadroomDocument From(string runId, HeadroomSample sample) => new()
    {
        RunId = runId,
        Step = sample.Step,
        WarnFactor = sample.WarnFactor,
        Modules = [.. sample.Modules.Select(m => new ModuleHeadroomEntry { Module = m.Module, MaxAbs = m.MaxAbs, Headroom = m.Headroom })],
    };

    public HeadroomSample ToSample() => new(Step, WarnFactor, [.. Modules.Select(m => new ModuleHeadroomInfo(m.Module, m.MaxAbs, m.Headroom))]);
}

/// <summary>One module's entry in a <see cref="HeadroomDocument"/>.</summary>
public sealed class ModuleHeadroomEntry
{
    public string Module { get; set; } = "";
    public double MaxAbs { get; set; }
    public double Headroom { get; set; }
}
