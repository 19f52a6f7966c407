namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// Where a training stream stands: the seed it was built from and the index of the next sample it will read.
/// Storing it with a checkpoint and passing it to <see cref="ITrainingBatchSource.Seek"/> resumes the exact stream.
/// </summary>
public sealed record DataPosition(long Seed, long NextSample);

/// <summary>
/// An endless, deterministic, resumable stream of training batches (the trainer's only view of the data).
/// </summary>
/// <remarks>
/// Contract: after <c>Seek(p)</c>, the batches returned by <see cref="NextBatch"/> are exactly those the source returned
/// after its <see cref="Position"/> was <c>p</c>. Calls are not thread-safe; tensors follow the rules of
/// <see cref="TrainingBatch"/>.
/// </remarks>
public interface ITrainingBatchSource
{
    /// <summary>The next batch (always full: samples that cannot be used are skipped and counted).</summary>
    TrainingBatch NextBatch();

    /// <summary>The position of the next batch.</summary>
    DataPosition Position { get; }

    /// <summary>Continues from a position this source (same seed) reported earlier.</summary>
    void Seek(DataPosition position);

    /// <summary>What the collator kept, truncated and dropped so far.</summary>
    CollationStatistics Statistics { get; }
}
