using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Training.Data;
using DataPosition = NanoVlm.Engine.Training.Data.DataPosition;
using TrainerBatch = NanoVlm.Engine.Training.Data.TrainingBatch;

namespace NanoVlm.Engine.Training.Sources;

/// <summary>
/// The built-in synthetic documents as the trainer's data: an endless train stream whose position is the index of the
/// next document (so a resumed or re-batched run reads the same documents), and a fixed validation split.
/// </summary>
public sealed class SyntheticTrainingData : ITrainingData
{
    private readonly SyntheticDocVqaGenerator _generator;
    private readonly TrainingBatchCollator _collator;
    private readonly SyntheticValidationSet _validation;
    private long _next;

    /// <exception cref="MaxLengthTooSmallException">the generator's pages need more image tokens than max_length</exception>
    public SyntheticTrainingData(SyntheticDifficulty difficulty, long seed, TrainingBatchCollator collator, int validationDocuments)
    {
        ArgumentNullException.ThrowIfNull(collator);
        _generator = new SyntheticDocVqaGenerator(difficulty, seed);
        foreach (var size in _generator.PageSizes)
        {
            collator.Encoder.EnsureImagesFit([size]);
        }
        _collator = collator;
        _validation = new SyntheticValidationSet(_generator, validationDocuments);
    }

    public SyntheticValidationSet ValidationSet => _validation;

    public CollationStatistics Statistics => _collator.Statistics;

    public DataPosition Position => new(0, _next);

    public void Seek(DataPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentOutOfRangeException.ThrowIfNegative(position.Samples);
        _next = position.Samples;
    }

    public TrainerBatch NextBatch(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var rows = new List<EncodedSample>(batchSize);
        var drops = 0;
        while (rows.Count < batchSize)
        {
            var encoding = _collator.Encoder.Encode(_generator.Generate(SyntheticSplit.Train, _next++).ToVqaSample());
            if (encoding.Sample is { } sample)
            {
                _collator.Statistics.RecordKept(sample);
                rows.Add(sample);
                drops = 0;
            }
            else
            {
                _collator.Statistics.RecordDropped(encoding.Drop!);
                if (++drops >= SyntheticTrainingBatchSource.MaxConsecutiveDrops)
                {
                    throw new InvalidOperationException($"{drops} synthetic documents in a row could not be used; the last: {encoding.Drop!.Message}");
                }
            }
        }
        return CollatedBatches.ToTrainer(_collator.Collate(rows));
    }

    public IEnumerable<TrainerBatch> Validation(int batchSize, int maxBatches) =>
        _validation.Batches(_collator, batchSize).Take(maxBatches).Select(CollatedBatches.ToTrainer);
}
