using System.Globalization;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Setup;

namespace NanoVlm.Engine.Training;

/// <summary>
/// The logic behind the headless verb <c>train</c> (argument parsing lives in the server): runs a checked setup to
/// completion on its dedicated training thread, writing <c>run.json</c>, <c>metrics.jsonl</c>, <c>events.jsonl</c>,
/// <c>checkpoints/</c> and <c>tb/</c> into the output folder, with a progress line.
/// </summary>
public static class TrainCommand
{
    /// <summary>0 when the run completed; 1 when the NaN guard (or an error) stopped it; 2 when cancelled.</summary>
    /// <param name="progress">where the progress line goes (the terminal); null for none</param>
    public static int Run(RunSetup setup, string outputDirectory, LaunchOptions launch, TextWriter? progress, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(setup);
        using var launched = setup.Launch(outputDirectory, launch);
        if (launched.TensorBoardProblem is { } problem) progress?.WriteLine($"TensorBoard files are not written: {problem}");
        var run = launched.Run;
        using var printer = run.Subscribe(e => Print(progress, e, setup.Config.MaxSteps));
        using var stop = cancellation.Register(run.Cancel);
        var outcome = run.Completion.GetAwaiter().GetResult();
        progress?.WriteLine();
        progress?.WriteLine($"{outcome.State} at step {outcome.Step}: {outcome.Reason}");
        if (outcome.Diagnosis is { } diagnosis) progress?.WriteLine($"diagnosis: {diagnosis.Verdict}. {diagnosis.Explanation}");
        return outcome.State switch
        {
            TrainingState.Completed => 0,
            TrainingState.Cancelled => 2,
            _ => 1,
        };
    }

    private static void Print(TextWriter? progress, TrainingEvent e, int maxSteps)
    {
        if (progress is null) return;
        var line = e switch
        {
            MetricsEvent m => string.Create(CultureInfo.InvariantCulture,
                $"\rstep {m.Step}/{maxSteps}  loss {m.Loss:0.0000}  grad {m.GradNorm:0.00}  {m.Precision}{(m.LossScale is { } s ? $" scale {s:g}" : "")}  {m.TokensPerSecond:0} tok/s  skipped {m.Skipped}   "),
            EvaluationEvent v => string.Create(CultureInfo.InvariantCulture, $"\nval loss {v.ValLoss:0.0000}{(v.Anls is { } a ? $"  ANLS {a:0.000}" : "")} at step {v.Step}"),
            AlertEvent a => $"\n[{a.Kind}] step {a.Step}: {a.Message}{(a.Action is null ? "" : $" → {a.Action}")}",
            PrecisionSwitchEvent p => $"\nprecision {p.From} → {p.To} (micro-batch {p.MicroBatch} × {p.GradAccum})",
            RollbackEvent r => $"\nrolled back from step {r.FromStep} to {r.ToStep}",
            _ => null,
        };
        if (line is not null) progress.Write(line);
    }
}
