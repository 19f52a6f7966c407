using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Precision;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>What the NaN guard does about one failure.</summary>
public enum GuardAction
{
    Stop,

    /// <summary>Drop the update and go on (the stream has moved past the batch).</summary>
    SkipUpdate,

    /// <summary>Go back to the last good checkpoint (and maybe switch precision) and continue from there.</summary>
    RollBack,
}

/// <summary>
/// The guard's decision with its reason; a precision switch when <see cref="SwitchTo"/> is set; modules to compute in
/// float32 from now on when <see cref="Pin"/> is not empty.
/// </summary>
public sealed record GuardDecision(GuardAction Action, string Reason, ComputePrecision? SwitchTo = null, int? MicroBatch = null, int? GradAccum = null)
{
    public IReadOnlyList<string> Pin { get; init; } = [];
}

/// <summary>
/// Applies the run's <see cref="NanPolicy"/> to a diagnosed failure. Under <see cref="NanPolicy.Recover"/>:
/// a precision overflow rolls back and widens the precision (fp16 → bf16 where supported, else fp32 with half the
/// micro-batch and twice the accumulation so the effective batch is unchanged); a data failure drops that batch's
/// update; a divergence rolls back. The same failure (verdict and module) <c>max_repeated_failures</c> times stops
/// the run. <see cref="NanPolicy.Pin"/> does the same, except that an fp16 overflow the diagnosis can place in modules
/// rolls back and pins those modules to float32, keeping fp16 for the rest, while the pins stay within
/// <c>pin_max_modules</c> and <c>pin_max_parameter_fraction</c>; beyond that, or with nothing to pin, it switches
/// precision as recover does and says why.
/// </summary>
public sealed class NanGuard(TrainingConfig config, PrecisionPolicy precisions, PinnableModules pinnable)
{
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>How many times each failure signature was seen.</summary>
    public IReadOnlyDictionary<string, int> Failures => _failures;

    public GuardDecision Decide(NanDiagnosisReport diagnosis, ComputePrecision current, int microBatch, int gradAccum, bool canRollBack, ModulePins? pins = null)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        pins ??= ModulePins.None;
        var seen = _failures[diagnosis.Signature] = _failures.GetValueOrDefault(diagnosis.Signature) + 1;
        switch (config.NanPolicy)
        {
            case NanPolicy.Stop:
                return new GuardDecision(GuardAction.Stop, $"nan_policy is stop: {diagnosis.Verdict} at step {diagnosis.FailedStep}.");
            case NanPolicy.Skip when diagnosis.Verdict == NanVerdicts.Divergence:
                return new GuardDecision(GuardAction.Stop, "the weights are already non-finite, so skipping updates cannot help; stopping.");
            case NanPolicy.Skip:
                return new GuardDecision(GuardAction.SkipUpdate, $"nan_policy is skip: update of step {diagnosis.FailedStep} dropped ({diagnosis.Verdict}).");
        }

        if (seen >= config.MaxRepeatedFailures)
            return new GuardDecision(GuardAction.Stop, $"the same failure ({diagnosis.Verdict} at {Where(diagnosis)}) happened {seen} times; stopping.");
        if (diagnosis.Verdict == NanVerdicts.Data)
            return new GuardDecision(GuardAction.SkipUpdate, $"float32 fails on this batch too: dropped the update of samples {string.Join(", ", diagnosis.SampleIds)}.");
        if (!canRollBack)
            return new GuardDecision(GuardAction.Stop, "there is no checkpoint to roll back to (no checkpoint folder); stopping.");
        if (diagnosis.Verdict == NanVerdicts.Divergence)
            return new GuardDecision(GuardAction.RollBack, $"weights diverged ({Where(diagnosis)}): rolling back to the last good checkpoint.");

        var instead = "";
        if (config.NanPolicy == NanPolicy.Pin && current.IsFp16())
        {
            var (pin, whyNot) = PinFor(diagnosis, pins);
            if (pin.Count > 0)
            {
                var after = pins.With(pin);
                return new GuardDecision(GuardAction.RollBack,
                    $"{current.Label()} overflowed at {Where(diagnosis)}: rolling back and computing {string.Join(", ", pin)} in float32 " +
                    $"(pinned; {after.Count} module(s), {100 * pinnable.ParameterFraction(after):0.##}% of the parameters), keeping {current.Label()} for the rest.")
                {
                    Pin = pin,
                };
            }
            instead = $"nothing more can be pinned ({whyNot}), so ";
        }

        var wider = precisions.Wider(current);
        if (wider is null)
            return new GuardDecision(GuardAction.RollBack, $"{diagnosis.Verdict} in {current.Label()}: rolling back to the last good checkpoint.");
        var (newMicroBatch, newGradAccum) = wider == ComputePrecision.Fp32 && microBatch > 1
            ? (microBatch / 2, gradAccum * 2)
            : (microBatch, gradAccum);
        var batching = newMicroBatch != microBatch ? $" with micro-batch {microBatch} → {newMicroBatch} and grad accumulation {gradAccum} → {newGradAccum}" : "";
        return new GuardDecision(GuardAction.RollBack,
            $"{current.Label()} overflowed at {Where(diagnosis)}: {instead}rolling back and switching to {wider.Value.Label()}{batching}.",
            wider, newMicroBatch, newGradAccum);
    }

    /// <summary>The modules to pin for a precision overflow, or none and why not (the limits, or nothing to place it in).</summary>
    private (IReadOnlyList<string> Pin, string WhyNot) PinFor(NanDiagnosisReport diagnosis, ModulePins pins)
    {
        var added = diagnosis.PinCandidates.Where(m => !pins.Covers(m)).Distinct(StringComparer.Ordinal).ToArray();
        if (added.Length == 0)
        {
            return ([], diagnosis.Module is null
                ? $"the {diagnosis.Symptom} overflowed without any module's output doing so"
                : $"{diagnosis.Module} overflowed although what could be pinned there already is");
        }
        var after = pins.With(added);
        if (after.Count > config.PinMaxModules)
            return ([], $"pinning {string.Join(", ", added)} would make {after.Count} pinned modules, over pin_max_modules {config.PinMaxModules}");
        var fraction = pinnable.ParameterFraction(after);
        if (fraction > config.PinMaxParameterFraction)
            return ([], $"pinning {string.Join(", ", added)} would put {100 * fraction:0.#}% of the parameters in float32, " +
                        $"over pin_max_parameter_fraction {100 * config.PinMaxParameterFraction:0.#}%");
        return (added, "");
    }

    private static string Where(NanDiagnosisReport d) => d.Module ?? d.Float32Module ?? (d.NonFiniteParameters.Count > 0 ? d.NonFiniteParameters[0] : null) ?? d.Symptom;
}
