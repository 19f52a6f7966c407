using TorchSharp;
using System.Globalization;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>What the failing step looked like when it was caught (before any diagnosis).</summary>
public sealed record FailureContext(
    int Step,
    string Symptom,
    ComputePrecision Precision,
    double LossScale,
    bool LossScaled,
    IReadOnlyDictionary<string, double> LearningRates,
    IReadOnlyList<TrainingBatch> Batches);

/// <summary>
/// The NaN guard's diagnosis of a failing step: re-runs the step's micro-batches (weights untouched: the update was
/// not applied) with an <see cref="ActivationProbe"/>, once in the run's precision and once in float32, and names
/// the first module whose output is non-finite and the cause:
/// <list type="bullet">
/// <item><c>divergence</c>: some weights were already non-finite before this step (the learning rate);</item>
/// <item><c>precision overflow</c>: float32 computes the same batch finitely;</item>
/// <item><c>data</c>: float32 fails on this batch as well.</item>
/// </list>
/// </summary>
public static class NanDiagnostics
{
    private const int MaxNamedParameters = 5;

    public static NanDiagnosisReport Diagnose(VisionLanguageModel model, FailureContext failure, bool onCuda)
    {
        var wasTraining = model.training;
        try
        {
            var nonFiniteParameters = NonFiniteParameters(model);
            // The run's precision first: find the micro-batch that fails and where.
            ProbeResult? inRun = null;
            var failingBatch = failure.Batches[0];
            foreach (var batch in failure.Batches)
            {
                var probe = Probe(model, batch, failure.Precision, failure.LossScaled ? failure.LossScale : 1, onCuda);
                if (!probe.Finite)
                {
                    inRun = probe;
                    failingBatch = batch;
                    break;
                }
                inRun ??= probe;
            }
            var inFloat32 = Probe(model, failingBatch, ComputePrecision.Fp32, 1, onCuda);
            var runModule = inRun!.FirstNonFinite;
            var f32ModuleOutput = runModule is null ? null : inFloat32.LargestOutput(runModule.Module);

            string verdict;
            string explanation;
            if (nonFiniteParameters.Count > 0)
            {
                verdict = NanVerdicts.Divergence;
                explanation = $"Weights were already non-finite before step {failure.Step} ({string.Join(", ", nonFiniteParameters)}): " +
                              "the optimisation diverged. Lower the learning rate (or warm up longer).";
            }
            else if (inFloat32.Finite)
            {
                verdict = NanVerdicts.PrecisionOverflow;
                explanation = runModule is not null
                    ? $"In {failure.Precision.Label()} the output of {runModule.Module} is non-finite (its input max |a| = {Format(runModule.InputMaxAbs)}); " +
                      $"in float32 the same batch is finite, that output's max |a| being {Format(f32ModuleOutput)}" +
                      (f32ModuleOutput > Fp16Emulation.Fp16Max ? $", beyond fp16's largest value {Fp16Emulation.Fp16Max:0}." : ".") +
                      " Use bf16 (same range as float32) or float32."
                    : $"In {failure.Precision.Label()} the {failure.Symptom} overflowed (first in the gradient of {inRun.FirstNonFiniteGradient ?? "?"}) " +
                      "while float32 is finite: the loss scale cannot keep the gradients in fp16's range. Use bf16 or float32.";
            }
            else
            {
                verdict = NanVerdicts.Data;
                explanation = $"float32 fails on this batch too (first non-finite output: {inFloat32.FirstNonFinite?.Module ?? "none; the gradients"}), " +
                              $"so the samples themselves carry non-finite or absurd values: {string.Join(", ", failingBatch.SampleIds)}.";
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
                Module = runModule?.Module,
                ModuleInputMaxAbs = runModule?.InputMaxAbs,
                ModuleOutputMaxAbs = runModule?.OutputMaxAbs,
                Float32ModuleOutputMaxAbs = f32ModuleOutput,
                Float32Finite = inFloat32.Finite,
                Float32Module = inFloat32.FirstNonFinite?.Module,
                NonFiniteParameters = nonFiniteParameters,
            };
        }
        finally
        {
            ClearGradients(model);
            model.train(wasTraining);
        }
    }

    /// <summary>Names of parameters holding a non-finite value (at most a few).</summary>
    public static IReadOnlyList<string> NonFiniteParameters(VisionLanguageModel model)
    {
        using var scope = NewDisposeScope();
        var parameters = model.named_parameters().ToList();
        var finite = stack(parameters.Select(p => p.parameter.detach().isfinite().all()).ToArray()).to(CPU).data<bool>().ToArray();
        return parameters.Where((_, i) => !finite[i]).Select(p => p.name).Take(MaxNamedParameters).ToArray();
    }

    private sealed record ProbeResult(bool Finite, ModuleActivation? FirstNonFinite, string? FirstNonFiniteGradient, IReadOnlyList<ModuleActivation> Calls)
    {
        public double? LargestOutput(string module)
        {
            var calls = Calls.Where(c => c.Module == module).ToList();
            return calls.Count == 0 ? null : calls.Max(c => c.OutputMaxAbs);
        }
    }

    /// <summary>Forward and backward of one batch in a precision, watching every module and every gradient.</summary>
    private static ProbeResult Probe(VisionLanguageModel model, TrainingBatch batch, ComputePrecision precision, double lossScale, bool onCuda)
    {
        ClearGradients(model);
        using var scope = NewDisposeScope();
        IReadOnlyList<ModuleActivation> calls;
        Tensor loss;
        using (PrecisionScope.Enter(precision, model, onCuda))
        using (var probe = ActivationProbe.Attach(model))
        {
            var hidden = model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask);
            loss = model.Loss(hidden, batch.Labels);
            calls = probe.Read();
        }
        using (Scalar scale = lossScale) loss.mul(scale).backward();
        var lossFinite = loss.isfinite().item<bool>();
        var withGradients = model.named_parameters().Where(p => p.parameter.grad is not null).ToList();
        var gradientsFinite = withGradients.Count == 0
            ? []
            : stack(withGradients.Select(p => p.parameter.grad!.isfinite().all()).ToArray()).to(CPU).data<bool>().ToArray();
        var firstBadGradient = withGradients.Where((_, i) => !gradientsFinite[i]).Select(p => p.name).FirstOrDefault();
        var firstBadModule = calls.FirstOrDefault(c => !c.OutputFinite);
        ClearGradients(model);
        return new ProbeResult(lossFinite && firstBadGradient is null && firstBadModule is null, firstBadModule, firstBadGradient, calls);
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
