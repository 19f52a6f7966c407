using NanoVlm.Engine.Data.Collation;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// A fixed validation set: documents 0..count−1 of the synthetic validation split, whose seed stream is separate
/// from the training split's. The same (difficulty, seed, count) always gives the same set.
/// </summary>
public sealed class SyntheticValidationSet
{
    public SyntheticValidationSet(SyntheticDocVqaGenerator generator, int count)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Generator = generator;
        Count = count;
    }

    public SyntheticDocVqaGenerator Generator { get; }

    public int Count { get; }

    /// <summary>The documents, with their questions and answers (for evaluation); made on demand.</summary>
    public IEnumerable<SyntheticDocument> Documents()
    {
        for (var index = 0; index < Count; index++)
        {
            yield return Generator.Generate(SyntheticSplit.Val, index);
        }
    }

    /// <summary>The samples, for a collator or an evaluator.</summary>
    public IEnumerable<VqaSample> Samples() => Documents().Select(d => d.ToVqaSample());

    /// <summary>
    /// The set in batches of <paramref name="batchSize"/> (the last may be smaller), made lazily so that only one
    /// batch of pixels exists at a time; samples that cannot be used are counted in the collator's statistics.
    /// </summary>
    public IEnumerable<TrainingBatch> Batches(TrainingBatchCollator collator, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(collator);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return BatchesIterator(collator, batchSize);
    }

    private IEnumerable<TrainingBatch> BatchesIterator(TrainingBatchCollator collator, int batchSize)
    {
        foreach (var chunk in Samples().Chunk(batchSize))
        {
            var encoded = new List<EncodedSample>(chunk.Length);
            foreach (var sample in chunk)
            {
                var encoding = collator.Encoder.Encode(sample);
                if (encoding.Sample is { } kept)
                {
                    collator.Statistics.RecordKept(kept);
                    encoded.Add(kept);
                }
                else
                {
                    collator.Statistics.RecordDropped(encoding.Drop!);
                }
            }
            if (encoded.Count > 0) yield return collator.Collate(encoded);
        }
    }
}
