using TorchSharp;
using System.Globalization;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Engine.Runtime;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>What the failing step looked like when it was caught (before any diagnosis).</summary>
/// <param name="Pins">modules the run computed in float32 when it failed</param>
public sealed record FailureContext(
    int Step,
    string Symptom,
    ComputePrecision Precision,
    double LossScale,
    bool LossScaled,
    IReadOnlyDictionary<string, double> LearningRates,
    IReadOnlyList<TrainingBatch> Batches,
    ModulePins? Pins = null);

/// <summary>
/// The NaN guard's diagnosis of a failing step: re-runs the step's micro-batches (weights untouched: the update was
/// not applied) with an <see cref="ActivationProbe"/>, once in the run's precision (with its pins) and once in float32,
/// looks at the failing batch itself, and names the module and the cause:
/// <list type="bullet">
/// <item><c>divergence</c>: some weights were already non-finite before this step, or float32 fails too on a batch with
/// nothing wrong in it (the learning rate);</item>
/// <item><c>precision overflow</c>: float32 computes the same batch finitely; the modules that held a value beyond fp16's
/// range are the <c>pin</c> policy's candidates;</item>
/// <item><c>data</c>: the batch itself is broken (non-finite or absurd pixels, a sample with no labelled token or with
/// nothing but padding), and float32 fails on it as well (or there is nothing to learn from it).</item>
/// </list>
/// The module named is the first whose output is non-finite in the run's precision, unless its input was already
/// beyond fp16's range in float32: then fp16 overflowed when that input was cast down, and the module that produced the
/// value (a norm, say) is named instead.
/// </summary>
public static class NanDiagnostics
{
    private const int MaxNamedParameters = 5;

    /// <summary>Pixels of a [0, 1] image beyond this are not an image any more (unnormalised or corrupt data).</summary>
    private const double AbsurdPixel = 1e3;

    public static NanDiagnosisReport Diagnose(VisionLanguageModel model, FailureContext failure, bool onCuda, PinnableModules? pinnable = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(failure);
        var pins = failure.Pins ?? ModulePins.None;
        pinnable ??= new PinnableModules(model);
        if (failure.Symptom == NoLabelsSymptom) return WithoutLabels(model, failure, pins);
        var wasTraining = model.training;
        try
        {
            var nonFiniteParameters = NonFiniteParameters(model);
            // The run's precision first: find the micro-batch that fails and where.
            ProbeResult? inRun = null;
            var failingBatch = failure.Batches[0];
            foreach (var batch in failure.Batches)
            {
                var probe = Probe(model, batch, failure.Precision, failure.LossScaled ? failure.LossScale : 1, onCuda, pins);
                if (!probe.Finite)
                {
                    inRun = probe;
                    failingBatch = batch;
                    break;
                }
                inRun ??= probe;
            }
            var inFloat32 = Probe(model, failingBatch, ComputePrecision.Fp32, 1, onCuda, ModulePins.None);
            var dataProblems = DataProblems(model, failingBatch);
            var firstBad = inRun!.FirstNonFinite;
            var (module, castFrom) = Attribute(inRun, inFloat32);
            var f32ModuleOutput = module is null ? null : inFloat32.LargestOutput(module);

            string verdict;
            string explanation;
            IReadOnlyList<string> candidates = [];
            if (nonFiniteParameters.Count > 0)
            {
                verdict = NanVerdicts.Divergence;
                explanation = $"Weights were already non-finite before step {failure.Step} ({string.Join(", ", nonFiniteParameters)}): " +
                              "the optimisation diverged. Lower the learning rate (or warm up longer).";
            }
            else if (inFloat32.Finite)
            {
                verdict = NanVerdicts.PrecisionOverflow;
                candidates = PinCandidates(inRun, inFloat32, pins, pinnable);
                explanation = firstBad is null
                    ? $"In {failure.Precision.Label()} the {failure.Symptom} overflowed (first in the gradient of {inRun.FirstNonFiniteGradient ?? "?"}) " +
                      "while float32 is finite: the loss scale cannot keep the gradients in fp16's range. Use bf16 or float32."
                    : castFrom is not null
                        ? $"In {failure.Precision.Label()} the output of {module} (max |a| = {Format(f32ModuleOutput)} in float32) is beyond fp16's largest value " +
                          $"{Fp16Emulation.Fp16Max:0}, so it overflowed where {castFrom} takes it in as fp16; in float32 the same batch is finite. " +
                          "Use bf16 (same range as float32) or float32, or compute the modules that take it in float32 (pin)."
                        : $"In {failure.Precision.Label()} the output of {module} is non-finite (its input max |a| = {Format(firstBad.InputMaxAbs)}); " +
                          $"in float32 the same batch is finite, that output's max |a| being {Format(f32ModuleOutput)}" +
                          (f32ModuleOutput > Fp16Emulation.Fp16Max ? $", beyond fp16's largest value {Fp16Emulation.Fp16Max:0}." : ".") +
                          " Use bf16 (same range as float32) or float32, or compute that module in float32 (pin).";
            }
            else if (dataProblems.Count > 0)
            {
                verdict = NanVerdicts.Data;
                explanation = $"float32 fails on this batch too (first non-finite output: {inFloat32.FirstNonFinite?.Module ?? "none; the gradients"}), " +
                              $"and the batch itself is broken: {string.Join("; ", dataProblems)}.";
            }
            else
            {
                verdict = NanVerdicts.Divergence;
                explanation = $"float32 fails on this batch too (first non-finite output: {inFloat32.FirstNonFinite?.Module ?? "none; the gradients"}), " +
                              "yet its pixels are finite, every sample has labelled tokens and the weights are finite: the model itself has grown " +
                              "out of range (the loss climbed until it overflowed). Lower the learning rate (or warm up longer).";
            }

            return new NanDiagnosisReport
            {
                Verdict = verdict,
                Explanation = explanation,
                FailedStep = failure.Step,
                SampleIds = failingBatch.SampleIds,
                LearningRates = failure.LearningRates,
                LossScale = failure.LossScaled ? failure.LossScale : null,
                Precision = failure.Precision.Label(),
                Symptom = failure.Symptom,
                Module = module,
                ModuleInputMaxAbs = firstBad?.InputMaxAbs,
                ModuleOutputMaxAbs = firstBad?.OutputMaxAbs,
                Float32ModuleOutputMaxAbs = f32ModuleOutput,
                Float32Finite = inFloat32.Finite,
                Float32Module = inFloat32.FirstNonFinite?.Module,
                NonFiniteParameters = nonFiniteParameters,
                PinCandidates = candidates,
                PinnedModules = pins.Modules,
                DataProblems = dataProblems,
            };
        }
        finally
        {
            ClearGradients(model);
            model.train(wasTraining);
        }
    }

    /// <summary>The symptom of a step whose micro-batch has no labelled token at all (the reference's loss would be 0/0).</summary>
    public const string NoLabelsSymptom = "no labelled tokens";

    /// <summary>
    /// A micro-batch with no labelled token: nothing to learn from, and the reference's mean over no tokens is NaN. The
    /// engine's loss is a harmless 0 there, so nothing needs re-running: the batch is the cause.
    /// </summary>
    private static NanDiagnosisReport WithoutLabels(VisionLanguageModel model, FailureContext failure, ModulePins pins)
    {
        var failing = failure.Batches.FirstOrDefault(b => LabelledTokens(b) == 0) ?? failure.Batches[0];
        var problems = DataProblems(model, failing);
        return new NanDiagnosisReport
        {
            Verdict = NanVerdicts.Data,
            Explanation = $"No sample of this micro-batch has a labelled token (every answer is masked, e.g. cut off by max_length): " +
                          $"there is nothing to learn from it, and a mean over no tokens is 0/0 = NaN in the reference. {string.Join("; ", problems)}.",
            FailedStep = failure.Step,
            SampleIds = failing.SampleIds,
            LearningRates = failure.LearningRates,
            LossScale = failure.LossScaled ? failure.LossScale : null,
            Precision = failure.Precision.Label(),
            Symptom = failure.Symptom,
            Float32Finite = false,
            PinnedModules = pins.Modules,
            DataProblems = problems,
        };
    }

    private static long LabelledTokens(TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using Scalar ignored = VisionLanguageModel.IgnoreIndex;
        return batch.Labels.ne(ignored).sum().item<long>();
    }

    /// <summary>
    /// What is wrong with the batch's samples themselves, one line per sample: non-finite or absurd pixels in its images,
    /// no labelled token, or nothing but padding (an attention row with no key to attend to).
    /// </summary>
    public static IReadOnlyList<string> DataProblems(VisionLanguageModel model, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = (int)batch.Rows;
        using Scalar ignored = VisionLanguageModel.IgnoreIndex, imageToken = model.Config.ImageTokenId;
        var labelled = batch.Labels.ne(ignored).sum(1).to(CPU).data<long>().ToArray();                                  // [B]
        var attended = batch.AttentionMask.ne(NativeScalars.Zero).sum(1).to(CPU).data<long>().ToArray();                 // [B]
        var imagesPerRow = batch.InputIds.eq(imageToken).sum(1).to(CPU).data<long>().Select(n => n / model.Config.MpImageTokenLength).ToArray(); // [B]
        var (finite, largest) = (Array.Empty<bool>(), Array.Empty<double>());
        if (batch.PixelValues is { } pixels && pixels.shape[0] > 0)
        {
            var flat = pixels.reshape(pixels.shape[0], -1);                                                               // [N, 3·S·S]
            finite = flat.isfinite().all(1).to(CPU).data<bool>().ToArray();                                              // [N]
            largest = maximum(flat.max(1).values.abs(), flat.min(1).values.abs()).to(ScalarType.Float64, CPU).data<double>().ToArray(); // [N]
        }
        var problems = new List<string>();
        var image = 0L;
        for (var row = 0; row < rows; row++)
        {
            var id = batch.SampleIds[row];
            var first = image;
            image += imagesPerRow[row];
            var mine = Enumerable.Range((int)first, (int)Math.Max(0, Math.Min(image, finite.Length) - first)).ToArray();
            if (mine.Any(i => !finite[i])) problems.Add($"{id}: non-finite pixels (NaN or ∞ in its image)");
            else if (mine.Any(i => largest[i] > AbsurdPixel)) problems.Add($"{id}: absurd pixels (|value| up to {Format(mine.Max(i => largest[i]))}; images are in [0, 1])");
            if (attended[row] == 0) problems.Add($"{id}: nothing but padding (its attention row has no key to attend to)");
            else if (labelled[row] == 0) problems.Add($"{id}: no labelled token (its answer is empty or was cut off by max_length)");
        }
        return problems;
    }

    /// <summary>
    /// The module to name, and the module whose fp16 input cast overflowed when the value came from elsewhere: the first
    /// module with a non-finite output in the run's precision; if float32 shows its input already beyond fp16's range,
    /// the module that produced that input (the latest earlier call whose output is that very value).
    /// </summary>
    private static (string? Module, string? CastFrom) Attribute(ProbeResult inRun, ProbeResult inFloat32)
    {
        if (inRun.FirstNonFinite is not { } first) return (null, null);
        var index = inRun.IndexOf(first);
        if (inFloat32.Twin(inRun, index) is not { } twin || !(twin.Call.InputMaxAbs > Fp16Emulation.Fp16Max) || !double.IsFinite(twin.Call.InputMaxAbs))
            return (first.Module, null);
        var producer = inFloat32.Calls.Take(twin.Index).LastOrDefault(c => Math.Abs(c.OutputMaxAbs - twin.Call.InputMaxAbs) <= 1e-6 * twin.Call.InputMaxAbs);
        return producer is null ? (first.Module, null) : (producer.Module, first.Module);
    }

    /// <summary>
    /// The half-computed modules (linear layers, convolutions, the head) that overflowed because of fp16's range alone:
    /// non-finite output in the run's precision, while in float32 the same call is finite and its input (cast down to
    /// fp16 on the way in) or its output exceeds 65504. Modules that merely passed on a NaN from upstream are left out
    /// (their float32 values are small), and so are norms (float32 under autocast already) and modules already pinned.
    /// </summary>
    private static List<string> PinCandidates(ProbeResult inRun, ProbeResult inFloat32, ModulePins pins, PinnableModules pinnable)
    {
        var candidates = new List<string>();
        for (var i = 0; i < inRun.Calls.Count; i++)
        {
            var call = inRun.Calls[i];
            if (call.OutputFinite || !pinnable.ComputesInHalf(call.Module) || pins.Covers(call.Module) || candidates.Contains(call.Module)) continue;
            if (inFloat32.Twin(inRun, i) is not { } twin || !twin.Call.OutputFinite) continue;
            if (twin.Call.InputMaxAbs > Fp16Emulation.Fp16Max || twin.Call.OutputMaxAbs > Fp16Emulation.Fp16Max) candidates.Add(call.Module);
        }
        return candidates;
    }

    /// <summary>Names of parameters holding a non-finite value (at most a few).</summary>
    public static IReadOnlyList<string> NonFiniteParameters(VisionLanguageModel model)
    {
        using var scope = NewDisposeScope();
        var parameters = model.named_parameters().ToList();
        var finite = stack(parameters.Select(p => p.parameter.detach().isfinite().all()).ToArray()).to(CPU).data<bool>().ToArray();
        return parameters.Where((_, i) => !finite[i]).Select(p => p.name).Take(MaxNamedParameters).ToArray();
    }

    internal sealed record ProbeResult(bool Finite, ModuleActivation? FirstNonFinite, string? FirstNonFiniteGradient, IReadOnlyList<ModuleActivation> Calls, double Loss)
    {
        public double? LargestOutput(string module)
        {
            var calls = Calls.Where(c => c.Module == module).ToList();
            return calls.Count == 0 ? null : calls.Max(c => c.OutputMaxAbs);
        }

        public int IndexOf(ModuleActivation call) => Calls.ToList().IndexOf(call);

        /// <summary>
        /// The same call of the same module in this (float32) run as call <paramref name="index"/> of <paramref name="other"/>:
        /// the forward is the same code either way, so the k-th call of a module is the k-th call of it here too.
        /// </summary>
        public (ModuleActivation Call, int Index)? Twin(ProbeResult other, int index)
        {
            var module = other.Calls[index].Module;
            var occurrence = other.Calls.Take(index).Count(c => c.Module == module);
            for (var i = 0; i < Calls.Count; i++)
            {
                if (Calls[i].Module != module) continue;
                if (occurrence-- == 0) return (Calls[i], i);
            }
            return null;
        }
    }

    /// <summary>Forward and backward of one batch in a precision, watching every module and every gradient.</summary>
    internal static ProbeResult Probe(VisionLanguageModel model, TrainingBatch batch, ComputePrecision precision, double lossScale, bool onCuda, ModulePins pins)
    {
        ClearGradients(model);
        using var scope = NewDisposeScope();
        IReadOnlyList<ModuleActivation> calls;
        Tensor loss;
        using (PrecisionScope.Enter(precision, model, onCuda, pins))
        using (var probe = ActivationProbe.Attach(model))
        {
            var hidden = model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask);
            loss = model.Loss(hidden, batch.Labels);
            calls = probe.Read();
        }
        using (Scalar scale = lossScale) loss.mul(scale).backward();
        var lossValue = loss.detach().to(ScalarType.Float64).item<double>();
        var lossFinite = double.IsFinite(lossValue);
        var withGradients = model.named_parameters().Where(p => p.parameter.grad is not null).ToList();
        var gradientsFinite = withGradients.Count == 0
            ? []
            : stack(withGradients.Select(p => p.parameter.grad!.isfinite().all()).ToArray()).to(CPU).data<bool>().ToArray();
        var firstBadGradient = withGradients.Where((_, i) => !gradientsFinite[i]).Select(p => p.name).FirstOrDefault();
        var firstBadModule = calls.FirstOrDefault(c => !c.OutputFinite);
        ClearGradients(model);
        return new ProbeResult(lossFinite && firstBadGradient is null && firstBadModule is null, firstBadModule, firstBadGradient, calls, lossValue);
    }

    private static void ClearGradients(VisionLanguageModel model)
    {
        foreach (var parameter in model.parameters())
        {
            var grad = parameter.grad;
            if (grad is null) continue;
            grad.Dispose();
            parameter.grad = null;
        }
    }

    private static string Format(double? value) => value switch
    {
        null => "?",
        { } v when double.IsNaN(v) => "NaN",
        { } v when double.IsInfinity(v) => "inf",
        { } v => v.ToString("0.###e+0", CultureInfo.InvariantCulture),
    };
}
