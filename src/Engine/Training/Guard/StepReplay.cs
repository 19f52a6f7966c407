using System.Diagnostics;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>One precision's replay of a failing step.</summary>
/// <param name="Precision">what it computed in ("fp16-emulated", "bf16", "fp32")</param>
/// <param name="PinnedModules">modules computed in float32 inside it</param>
/// <param name="Label">what the row stands for ("as the run computed", "with the suggested pins", ...)</param>
/// <param name="Finite">whether the loss and every gradient came out finite</param>
/// <param name="FirstNonFiniteModule">the first module whose output was non-finite, if any</param>
/// <param name="ModuleMaxAbs">the largest |output| of the module the diagnosis named, in this precision</param>
public sealed record ReplayOutcome(
    string Precision,
    IReadOnlyList<string> PinnedModules,
    string Label,
    bool Finite,
    double Loss,
    string? FirstNonFiniteModule,
    double? ModuleMaxAbs,
    double Seconds);

/// <summary>A failing step replayed in several precisions from the weights it started from.</summary>
public sealed record ReplayReport(int Step, string? Module, IReadOnlyList<string> SampleIds, IReadOnlyList<ReplayOutcome> Outcomes);

/// <summary>
/// "Replay this step": re-runs a failing step's micro-batch, forward and backward, from the weights kept in its
/// <see cref="FailureSnapshots"/> folder, in the precision the run computed in (with its pins), with the diagnosis's
/// suggested pins, in bf16 (where this device has autocast) and in float32, and says which stay finite. That is the
/// diagnosis's verdict made visible: a precision overflow fails only in the first row.
/// </summary>
/// <remarks>Synchronous, on the calling thread (autocast is per thread): run it on a dedicated thread, never the thread pool.</remarks>
public static class StepReplay
{
    /// <param name="precisions">this machine's precision rules (the replay runs on its CPU, where fp16 is emulated)</param>
    public static ReplayReport Run(string snapshotFolder, PrecisionPolicy precisions, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(precisions);
        var info = FailureSnapshots.ReadInfo(snapshotFolder);
        using var model = NanoVlmCheckpoint.Load(snapshotFolder).Model;
        model.train(); // as the step ran (the same dropout setting; the nanoVLM presets train without dropout)
        using var scope = NewDisposeScope();
        var batch = FailureSnapshots.ReadBatch(snapshotFolder, info);
        var pins = new ModulePins(info.PinnedModules);

        // The replay runs on this machine's CPU, where fp16 is rehearsed by the emulation (overflowing where a GPU would).
        var asRun = info.Precision == ComputePrecision.Fp16 ? ComputePrecision.Fp16Emulated : info.Precision;
        var plans = new List<(ComputePrecision Precision, ModulePins Pins, string Label, double LossScale)>
        {
            (asRun, pins, "as the run computed", info.LossScale ?? 1),
        };
        var suggested = pins.With(info.PinCandidates);
        if (asRun.IsFp16() && suggested.Count > pins.Count)
            plans.Add((asRun, suggested, "keeping fp16, with the diagnosis's pins", info.LossScale ?? 1));
        if (info.Precision != ComputePrecision.Bf16 && precisions.Unavailable(PrecisionMode.Bf16) is null)
            plans.Add((ComputePrecision.Bf16, ModulePins.None, "bf16", 1));
        if (info.Precision != ComputePrecision.Fp32)
            plans.Add((ComputePrecision.Fp32, ModulePins.None, "float32", 1));

        var outcomes = new List<ReplayOutcome>();
        foreach (var (precision, planPins, label, lossScale) in plans)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var probe = NanDiagnostics.Probe(model, batch, precision, lossScale, onCuda: false, planPins);
            outcomes.Add(new ReplayOutcome(precision.Label(), planPins.Modules, label, probe.Finite, probe.Loss,
                probe.FirstNonFinite?.Module, info.Module is null ? null : probe.LargestOutput(info.Module), clock.Elapsed.TotalSeconds));
        }
        return new ReplayReport(info.Step, info.Module, info.SampleIds, outcomes);
    }
}
