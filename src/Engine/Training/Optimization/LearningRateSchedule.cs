namespace NanoVlm.Engine.Training.Optimization;

/// <summary>
/// nanoVLM's <c>get_lr</c> (spec §4.3): linear warmup over <c>warmup_fraction·max_steps</c> steps, then cosine
/// decay to <c>min_lr_fraction·peak</c>, evaluated at the optimizer step about to be taken.
/// </summary>
public sealed class LearningRateSchedule(int maxSteps, double warmupFraction, double minLrFraction)
{
    public int WarmupSteps { get; } = (int)(warmupFraction * maxSteps);

    public static LearningRateSchedule From(TrainingConfig config) => new(config.MaxSteps, config.WarmupFraction, config.MinLrFraction);

    /// <summary>The learning rate at optimizer step <paramref name="step"/> (0-based) for a group peaking at <paramref name="peak"/>.</summary>
    public double At(int step, double peak)
    {
        var minimum = minLrFraction * peak;
        if (step < WarmupSteps) return peak * (step + 1) / WarmupSteps;
        if (step > maxSteps) return minimum;
        if (maxSteps == WarmupSteps) return peak;
        var progress = (double)(step - WarmupSteps) / (maxSteps - WarmupSteps);
        return minimum + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (peak - minimum);
    }
}
