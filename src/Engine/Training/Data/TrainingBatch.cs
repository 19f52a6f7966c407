using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Data;

/// <summary>
/// One collated micro-batch, as the collator makes it. The trainer creates batches inside its per-step dispose
/// scope (by calling <see cref="ITrainingData.NextBatch"/> there), so the tensors are freed with the step.
/// </summary>
/// <param name="InputIds">[B, T] int64, image placeholders included</param>
/// <param name="AttentionMask">[B, T] (1 = token, 0 = pad)</param>
/// <param name="Labels">[B, T] int64, already shifted (label at t is token t+1), -100 where ignored</param>
/// <param name="PixelValues">[N, 3, S, S] float32, or null for a text-only batch</param>
/// <param name="SampleIds">one id per row, to name the samples of a failing batch</param>
public sealed record TrainingBatch(Tensor InputIds, Tensor AttentionMask, Tensor Labels, Tensor? PixelValues, IReadOnlyList<string> SampleIds)
{
    public long Rows => InputIds.shape[0];

    public long ImageCount => PixelValues?.shape[0] ?? 0;
}
