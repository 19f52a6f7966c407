using System.Globalization;
using NanoVlm.Engine.Refusals;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Engine.Training;

/// <summary>
/// Refuses a run whose <see cref="MemoryEstimate"/> exceeds the memory at hand, before anything is allocated, with the
/// estimate by part against what is available and settings that would fit.
/// </summary>
public static class MemoryFit
{
    /// <returns>the estimate, when it fits</returns>
    /// <exception cref="InsufficientMemoryForRunException">needed against available, and what to change</exception>
    public static MemoryEstimate Ensure(TrainingConfig config, ComputePrecision precision, AvailableMemory available)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(available);
        var estimate = MemoryEstimate.For(config, precision);
        if (estimate.TotalBytes <= available.Bytes) return estimate;

        var total = available.TotalBytes is { } t ? $" of {GiB(t)} in all" : "";
        var message = string.Create(CultureInfo.InvariantCulture,
            $"This run needs about {GiB(estimate.TotalBytes)} (weights {GiB(estimate.ParameterBytes)}, gradients {GiB(estimate.GradientBytes)}, " +
            $"optimizer {GiB(estimate.OptimizerBytes)}, activations {GiB(estimate.ActivationBytes)} for a micro-batch of {config.BatchSize} × {config.MaxLength} tokens, " +
            $"workspace {GiB(estimate.WorkspaceBytes)}) but {GiB(available.Bytes)} is {available.Source}{total}. {WhatWouldFit(config, precision, available.Bytes)}");
        throw new InsufficientMemoryForRunException(message, estimate.TotalBytes, available.Bytes);
    }

    /// <summary>The smallest change that fits, tried in the order that changes the run least.</summary>
    private static string WhatWouldFit(TrainingConfig config, ComputePrecision precision, long available)
    {
        bool Fits(TrainingConfig c, ComputePrecision p) => MemoryEstimate.For(c, p).TotalBytes <= available;

        for (var batch = config.BatchSize - 1; batch >= 1; batch--)
        {
            if (!Fits(config with { BatchSize = batch }, precision)) continue;
            var accumulation = (int)Math.Ceiling((double)config.BatchSize * config.GradAccum / batch);
            return $"A micro-batch of {batch} fits (with grad_accum {accumulation} it keeps about {config.BatchSize * config.GradAccum} samples per step).";
        }
        var single = config with { BatchSize = 1 };
        if (precision == ComputePrecision.Fp32 && Fits(single, ComputePrecision.Bf16))
            return "A micro-batch of 1 in bf16 fits (bf16 keeps the linear layers' activations at half the size).";
        var model = config.ResolveModel();
        for (var length = config.MaxLength / 2; length >= 64; length /= 2)
        {
            if (Fits(single with { MaxLength = length }, precision))
                return $"Even a micro-batch of 1 does not fit at max_length {config.MaxLength}; max_length {length} does" +
                       (MemoryEstimate.MaxViewsPerSample(model, length) < MemoryEstimate.MaxViewsPerSample(model, config.MaxLength)
                           ? $", but then a sample's images must fit in {length} tokens: lower max_img_size ({model.MaxImgSize}) too." : ".");
        }
        if (config.LrVision > 0 && Fits(single with { LrVision = 0 }, precision))
            return "Even a micro-batch of 1 does not fit; freezing the vision encoder (lr_vision 0) does.";
        return "Even a micro-batch of 1 does not fit: choose a smaller model, or a machine (or GPU) with more memory.";
    }

    private static string GiB(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
}
