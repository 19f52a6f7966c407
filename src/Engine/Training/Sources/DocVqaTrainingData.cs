using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Vision;
using DataPosition = NanoVlm.Engine.Training.Data.DataPosition;
using TrainerBatch = NanoVlm.Engine.Training.Data.TrainingBatch;

namespace NanoVlm.Engine.Training.Sources;

/// <summary>
/// A DocVQA source (any format the readers know) as the trainer's data. The first <c>validationSamples</c> answered
/// samples are held out as the fixed validation set; training streams the rest in epochs. The position counts samples
/// into the epoch, so resuming re-reads the source up to it (sources are streamed, never loaded whole).
/// Unreadable rows and images are skipped and counted.
/// </summary>
public sealed class DocVqaTrainingData : ITrainingData, IDisposable
{
    private readonly IDocVqaReader _reader;
    private readonly TrainingBatchCollator _collator;
    private readonly SafeImageDecoder _decoder;
    private readonly List<VqaSample> _validation;
    private readonly HashSet<string> _heldOut;
    private IEnumerator<VqaSample>? _stream;
    private long _epoch;
    private long _samples;

    public DocVqaTrainingData(IDocVqaReader reader, TrainingBatchCollator collator, SafeImageDecoder decoder, int validationSamples)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _collator = collator ?? throw new ArgumentNullException(nameof(collator));
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        _validation = [.. Usable().Take(validationSamples)];
        _heldOut = [.. _validation.Select(s => s.Id)];
        if (_validation.Count == 0)
        {
            throw new InvalidDataException("The data source has no usable answered sample: nothing to train on.");
        }
    }

    /// <summary>Rows or images that could not be used, with reasons (first 100).</summary>
    public List<string> Problems { get; } = [];

    public DataPosition Position => new(_epoch, _samples);

    public void Seek(DataPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        _stream?.Dispose();
        _stream = null;
        _epoch = position.Epoch;
        _samples = 0;
        for (var i = 0L; i < position.Samples; i++)
        {
            NextSample();
        }
    }

    public TrainerBatch NextBatch(int batchSize)
    {
        var rows = new List<EncodedSample>(batchSize);
        while (rows.Count < batchSize)
        {
            var encoding = _collator.Encoder.Encode(NextSample());
            if (encoding.Sample is { } sample)
            {
                _collator.Statistics.RecordKept(sample);
                rows.Add(sample);
            }
            else
            {
                _collator.Statistics.RecordDropped(encoding.Drop!);
            }
        }
        return CollatedBatches.ToTrainer(_collator.Collate(rows));
    }

    public IEnumerable<TrainerBatch> Validation(int batchSize, int maxBatches) =>
        _validation.Chunk(batchSize).Take(maxBatches).Select(chunk => CollatedBatches.ToTrainer(_collator.Collate(chunk)));

    /// <summary>The held-out samples, for ANLS during training.</summary>
    public IReadOnlyList<VqaSample> ValidationSamples => _validation;

    public void Dispose() => _stream?.Dispose();

    private VqaSample NextSample()
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            _stream ??= Usable().Where(s => !_heldOut.Contains(s.Id)).GetEnumerator();
            if (_stream.MoveNext())
            {
                _samples++;
                return _stream.Current;
            }
            // End of the source: the next epoch starts from its beginning.
            _stream.Dispose();
            _stream = null;
            _epoch++;
            _samples = 0;
        }
        throw new InvalidDataException("The data source has no usable training sample besides the held-out validation samples.");
    }

    private IEnumerable<VqaSample> Usable()
    {
        foreach (var row in _reader.Read())
        {
            if (row is SkippedRow skipped)
            {
                Note($"row {skipped.Row}: {skipped.Reason}");
                continue;
            }
            var sample = ((SampleRow)row).Sample;
            if (!sample.IsAnswered)
            {
                continue;
            }
            VqaSample converted;
            try
            {
                converted = DocVqaSampleConversion.ToVqaSample(sample, _decoder);
            }
            catch (Exception e) when (e is ImageRejectedException or ImageUnavailableException)
            {
                Note($"row {row.Row}: {e.Message}");
                continue;
            }
            yield return converted;
        }
    }

    private void Note(string problem)
    {
        if (Problems.Count < 100)
        {
            Problems.Add(problem);
        }
    }
}
