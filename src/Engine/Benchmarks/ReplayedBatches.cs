using NanoVlm.Engine.Training.Data;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>
/// Training data that serves the same few prepared micro-batches in a cycle, so a training-speed figure measures the
/// model and the optimizer, not the drawing of synthetic pages. The batches are real ones (taken from the run's data
/// source once); the caller owns and disposes their tensors.
/// </summary>
internal sealed class ReplayedBatches(IReadOnlyList<TrainingBatch> batches) : ITrainingData
{
    private long _next;
    private long _samples;

    public DataPosition Position => new(0, _samples);

    /// <summary>Only the start is meaningful: the benchmark never resumes.</summary>
    public void Seek(DataPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        (_next, _samples) = (0, position.Samples);
    }

    public TrainingBatch NextBatch(int batchSize)
    {
        var batch = batches[(int)(_next++ % batches.Count)];
        if (batch.Rows != batchSize)
            throw new InvalidOperationException($"The prepared batches hold {batch.Rows} rows; a step asked for {batchSize}.");
        _samples += batchSize;
        return batch;
    }

    public IEnumerable<TrainingBatch> Validation(int batchSize, int maxBatches) => batches.Take(maxBatches);
}
