using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// The built-in training stream: documents 0, 1, 2, ... of the synthetic train split, encoded and batched. Its state is
/// (seed, next document index), so a resumed run continues with exactly the batches it would have seen.
/// </summary>
public sealed class SyntheticTrainingBatchSource : ITrainingBatchSource
{
    /// <summary>Give up when this many documents in a row cannot be used: the configuration, not the data, is wrong.</summary>
    public const int MaxConsecutiveDrops = 1000;

    private readonly SyntheticDocVqaGenerator _generator;
    private readonly TrainingBatchCollator _collator;
    private long _next;

    /// <summary>
    /// Checks at once (configuration time) that every page size the generator makes fits max_length, and throws
    /// <see cref="MaxLengthTooSmallException"/> with the numbers if not.
    /// </summary>
    public SyntheticTrainingBatchSource(SyntheticDocVqaGenerator generator, TrainingBatchCollator collator, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(collator);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        foreach (var size in generator.PageSizes)
        {
            collator.Encoder.EnsureImagesFit([size]);
        }
        _generator = generator;
        _collator = collator;
        BatchSize = batchSize;
    }

    /// <summary>The source for a model: its image settings and placeholder count, the tokenizer, max_length.</summary>
    public static SyntheticTrainingBatchSource Create(
        SyntheticDifficulty difficulty, long seed, VlmConfig config, NanoVlmTokenizer tokenizer, CollatorOptions options, int batchSize) =>
        new(new SyntheticDocVqaGenerator(difficulty, seed), TrainingBatchCollator.ForModel(config, tokenizer, options), batchSize);

    public int BatchSize { get; }

    public SyntheticDocVqaGenerator Generator => _generator;

    public DataPosition Position => new(_generator.Seed, _next);

    public CollationStatistics Statistics => _collator.Statistics;

    public TrainingBatch NextBatch()
    {
        var rows = new List<EncodedSample>(BatchSize);
        var consecutiveDrops = 0;
        while (rows.Count < BatchSize)
        {
            var document = _generator.Generate(SyntheticSplit.Train, _next++);
            var encoding = _collator.Encoder.Encode(document.ToVqaSample());
            if (encoding.Sample is { } sample)
            {
                _collator.Statistics.RecordKept(sample);
                rows.Add(sample);
                consecutiveDrops = 0;
            }
            else
            {
                _collator.Statistics.RecordDropped(encoding.Drop!);
                if (++consecutiveDrops >= MaxConsecutiveDrops)
                {
                    throw new InvalidOperationException(
                        $"{MaxConsecutiveDrops} synthetic documents in a row could not be used; the last: {encoding.Drop!.Message}");
                }
            }
        }
        return _collator.Collate(rows);
    }

    public void Seek(DataPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        if (position.Seed != _generator.Seed)
        {
            throw new ArgumentException($"The position is for seed {position.Seed}, but this source uses seed {_generator.Seed}.", nameof(position));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(position.NextSample);
        _next = position.NextSample;
    }
}
