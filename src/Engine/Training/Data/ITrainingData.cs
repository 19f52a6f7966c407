namespace NanoVlm.Engine.Training.Data;

/// <summary>
/// What the trainer consumes: a resumable stream of training micro-batches and a fixed validation set. Called only
/// from the training thread, inside a TorchSharp dispose scope.
/// </summary>
public interface ITrainingData
{
    /// <summary>The next <paramref name="batchSize"/> samples of the stream, collated; advances <see cref="Position"/>.</summary>
    TrainingBatch NextBatch(int batchSize);

    /// <summary>The position of the next sample <see cref="NextBatch"/> will return.</summary>
    DataPosition Position { get; }

    /// <summary>Continues the stream from a position taken earlier from <see cref="Position"/>.</summary>
    void Seek(DataPosition position);

    /// <summary>
    /// The fixed validation subset, in batches of <paramref name="batchSize"/>: the same samples in the same order on
    /// every call, at most <paramref name="maxBatches"/> batches.
    /// </summary>
    IEnumerable<TrainingBatch> Validation(int batchSize, int maxBatches);
}
