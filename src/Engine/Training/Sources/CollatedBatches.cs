using TrainerBatch = NanoVlm.Engine.Training.Data.TrainingBatch;

namespace NanoVlm.Engine.Training.Sources;

/// <summary>The collator's batch as the trainer's batch (same tensors; the trainer's step scope frees them).</summary>
internal static class CollatedBatches
{
    public static TrainerBatch ToTrainer(NanoVlm.Engine.Data.Collation.TrainingBatch batch) =>
        new(batch.InputIds, batch.AttentionMask, batch.Labels, batch.PixelValues, batch.SampleIds);
}
