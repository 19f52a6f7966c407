using System.Globalization;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;

namespace NanoVlm.Engine.Training;

/// <summary>What the <c>train</c> verb needs besides the resolved configuration.</summary>
public sealed record TrainCommandOptions
{
    /// <summary>A training checkpoint to continue from (<c>--resume</c>).</summary>
    public string? ResumeFrom { get; init; }

    public string? InitialWeights { get; init; }
    public AnlsEvaluator? Evaluator { get; init; }

    /// <summary>Where the progress line goes (the terminal); null for none.</summary>
    public TextWriter? Progress { get; init; }

    public bool TensorBoard { get; init; } = true;
}

/// <summary>
/// The logic behind the headless verb <c>train</c> (argument parsing lives in the server): runs a resolved
/// configuration to completion on a dedicated training thread, writing <c>run.json</c>, <c>metrics.jsonl</c>,
/// <c>events.jsonl</c>, <c>checkpoints/</c> and <c>tb/</c> into the output folder, with a progress line.
/// </summary>
public static class TrainCommand
{
    /// <summary>0 when the run completed; 1 when the NaN guard (or an error) stopped it; 2 when cancelled.</summary>
    public static int Run(TrainingConfig config, string outputDirectory, Func<TrainingConfig, ITrainingData> data,
        TrainCommandOptions options, CancellationToken cancellation = default)
    {
        config.EnsureValid();
        using var files = new RunFiles(outputDirectory, config, options.TensorBoard);
        var progress = options.Progress;
        if (files.TensorBoardProblem is { } problem) progress?.WriteLine($"TensorBoard files are not written: {problem}");
        var trainerOptions = new TrainerOptions
        {
            CheckpointDirectory = Path.Combine(outputDirectory, RunFiles.CheckpointsFolder),
            ResumeFrom = options.ResumeFrom,
            InitialWeights = options.InitialWeights,
            Evaluator = options.Evaluator,
        };
        using var run = TrainingRun.Start(config, () => data(config), trainerOptions, files);
        using var printer = run.Subscribe(e => Print(progress, e, config.MaxSteps));
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

    /// <summary>What <c>train --estimate</c> prints: the memory estimate against the device's memory.</summary>
    public static string Estimate(TrainingConfig config)
    {
        config.EnsureValid();
        var device = EngineDevice.Resolve(config.Device);
        var precision = DeviceCapabilities.Detect(device).Resolve(config.Precision, config.ResolveModel());
        var estimate = MemoryEstimate.For(config, precision);
        long? available = device.IsCuda ? null : TotalMemoryBytes();
        return $"{config.ModelPreset}, {precision.Label()}, batch {config.BatchSize} × length {config.MaxLength}:\n{estimate.Describe(available)}";
    }

    private static long? TotalMemoryBytes()
    {
        var info = GC.GetGCMemoryInfo();
        return info.TotalAvailableMemoryBytes > 0 ? info.TotalAvailableMemoryBytes : null;
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
