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

/// <summary>The guard's decision with its reason; a precision switch when <see cref="SwitchTo"/> is set.</summary>
public sealed record GuardDecision(GuardAction Action, string Reason, ComputePrecision? SwitchTo = null, int? MicroBatch = null, int? GradAccum = null);

/// <summary>
/// Applies the run's <see cref="NanPolicy"/> to a diagnosed failure. Under <see cref="NanPolicy.Recover"/>:
/// a precision overflow rolls back and widens the precision (fp16 → bf16 where supported, else fp32 with half the
/// micro-batch and twice the accumulation so the effective batch is unchanged); a data failure drops that batch's
/// update; a divergence rolls back. The same failure (verdict and module) <c>max_repeated_failures</c> times stops
/// the run.
/// </summary>
public sealed class NanGuard(TrainingConfig config, PrecisionPolicy precisions)
{
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>How many times each failure signature was seen.</summary>
    public IReadOnlyDictionary<string, int> Failures => _failures;

    public GuardDecision Decide(NanDiagnosisReport diagnosis, ComputePrecision current, int microBatch, int gradAccum, bool canRollBack)
    {
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

        var wider = precisions.Wider(current);
        if (wider is null)
            return new GuardDecision(GuardAction.RollBack, $"{diagnosis.Verdict} in {current.Label()}: rolling back to the last good checkpoint.");
        var (newMicroBatch, newGradAccum) = wider == ComputePrecision.Fp32 && microBatch > 1
            ? (microBatch / 2, gradAccum * 2)
            : (microBatch, gradAccum);
        var batching = newMicroBatch != microBatch ? $" with micro-batch {microBatch} → {newMicroBatch} and grad accumulation {gradAccum} → {newGradAccum}" : "";
        return new GuardDecision(GuardAction.RollBack,
            $"{current.Label()} overflowed at {Where(diagnosis)}: rolling back and switching to {wider.Value.Label()}{batching}.",
            wider, newMicroBatch, newGradAccum);
    }

    private static string Where(NanDiagnosisReport d) => d.Module ?? d.Float32Module ?? (d.NonFiniteParameters.Count > 0 ? d.NonFiniteParameters[0] : null) ?? d.Symptom;
}
