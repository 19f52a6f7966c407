namespace NanoVlm.Engine.Training.Optimization;

/// <summary>What the loss scaler decided after looking at a step's gradients.</summary>
public enum LossScaleOutcome
{
    /// <summary>Gradients finite: apply the update.</summary>
    Apply,

    /// <summary>Gradients overflowed: the scale was backed off and the update must be skipped.</summary>
    SkipAndBackOff,

    /// <summary>Gradients overflowed and backing off would go below the minimum: a failure.</summary>
    BelowMinimum,
}

/// <summary>
/// PyTorch GradScaler's dynamic loss scaling for fp16: multiply the loss by the scale before backward, divide the
/// gradients by it afterwards; on inf/NaN gradients halve the scale and skip the update; after
/// <c>growth_interval</c> clean steps in a row double it. Disabled (scale 1, never skips) outside fp16.
/// </summary>
public sealed class DynamicLossScaler(LossScaleConfig config)
{
    public bool Enabled { get; private set; }

    /// <summary>The factor the loss is multiplied by (1 when disabled).</summary>
    public double Scale { get; private set; } = 1;

    /// <summary>Clean steps since the last change of scale.</summary>
    public int CleanSteps { get; private set; }

    /// <summary>Turns scaling on at the initial scale (fp16) or off (other precisions).</summary>
    public void Configure(bool enabled)
    {
        Enabled = enabled;
        Scale = enabled ? config.Initial : 1;
        CleanSteps = 0;
    }

    /// <summary>Updates the scale after a step whose gradients were (<paramref name="gradientsFinite"/>) finite or not.</summary>
    public LossScaleOutcome Update(bool gradientsFinite)
    {
        if (!Enabled) return gradientsFinite ? LossScaleOutcome.Apply : LossScaleOutcome.BelowMinimum;
        if (gradientsFinite)
        {
            if (++CleanSteps >= config.GrowthInterval)
            {
                Scale *= config.GrowthFactor;
                CleanSteps = 0;
            }
            return LossScaleOutcome.Apply;
        }
        CleanSteps = 0;
        var backedOff = Scale * config.BackoffFactor;
        if (backedOff < config.Minimum) return LossScaleOutcome.BelowMinimum;
        Scale = backedOff;
        return LossScaleOutcome.SkipAndBackOff;
    }

    public LossScalerState Export() => new(Enabled, Scale, CleanSteps);

    public void Import(LossScalerState state) => (Enabled, Scale, CleanSteps) = (state.Enabled, state.Scale, state.CleanSteps);
}

/// <summary>The scaler's state in a checkpoint.</summary>
public sealed record LossScalerState(bool Enabled, double Scale, int CleanSteps);
