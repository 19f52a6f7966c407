using System.Diagnostics;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Packing;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Data;
using static TorchSharp.torch;
using TrainerBatch = NanoVlm.Engine.Training.Data.TrainingBatch;

namespace NanoVlm.Engine.Training.Sources;

/// <summary>What to pack: a run's configuration (its model, max_length, seed and data source) and how much of it.</summary>
public sealed record PackRequest
{
    public required TrainingConfig Config { get; init; }

    /// <summary>An empty or new folder.</summary>
    public required string Folder { get; init; }

    /// <summary>
    /// Training samples to pack; null packs what the run consumes from an endless source (synthetic: max_steps ×
    /// batch_size × grad_accum) and one epoch of a finite one (a DocVQA source), which the trainers repeat.
    /// </summary>
    public long? TrainSamples { get; init; }

    /// <summary>Validation samples to pack (the leading ones of the fixed validation set); null packs all of them.</summary>
    public int? ValidationSamples { get; init; }

    public int SamplesPerShard { get; init; } = 256;

    public string? TokenizerPath { get; init; }

    /// <summary>Which image files a DocVQA source may name; null allows any.</summary>
    public ImagePathCheck? ImageCheck { get; init; }
}

/// <summary>Samples packed so far into a split (reported every few samples).</summary>
public sealed record PackProgress(string Split, long Samples, long? Total);

/// <summary>What was packed.</summary>
/// <param name="TrainDropped">source samples the collator left out of the train split (too long, unusable image)</param>
/// <param name="Problems">why samples were left out (the first few)</param>
public sealed record PackResult(ShardIndex Index, string Folder, string DataDescription, long TrainDropped, TimeSpan Elapsed, IReadOnlyList<string> Problems);

/// <summary>
/// Writes a run's training data as shards for the PyTorch engine (src/Distributed). The samples come from the very
/// <see cref="ITrainingData"/> the in-process trainer reads (<see cref="TrainingDataFactory"/>), one at a time, so
/// they are tokenized, truncated, collated and image-processed by the same code, and in the same order: sample i of
/// the train split is the i-th row the in-process trainer would train on, and the validation split is its fixed
/// validation set. The data order is then defined once, by the shards, for every engine and process count.
/// </summary>
public static class TrainingDataPacker
{
    private const int ProgressEvery = 64;
    private const int MaxProblems = 20;

    /// <exception cref="IOException">the folder is not empty, or a file cannot be written</exception>
    /// <exception cref="InvalidDataException">nothing could be packed, or a sample does not fit the model</exception>
    public static PackResult Pack(PackRequest request, IProgress<PackProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var clock = Stopwatch.StartNew();
        var config = request.Config;
        var model = config.ResolveModel();
        var prepared = TrainingDataFactory.Create(config, request.TokenizerPath, request.ImageCheck);
        var problems = new List<string>();
        try
        {
            using var writer = new ShardSetWriter(request.Folder, LayoutOf(config, model, prepared), request.SamplesPerShard);
            PackValidation(prepared.Data, writer, request.ValidationSamples, progress, cancellation);
            var dropped = PackTrain(prepared.Data, writer, TrainLimit(request), IsEndless(config), problems, progress, cancellation);
            var index = writer.Complete();
            return new PackResult(index, Path.GetFullPath(request.Folder), prepared.Description, dropped, clock.Elapsed, problems);
        }
        finally
        {
            (prepared.Data as IDisposable)?.Dispose();
        }
    }

    /// <summary>The training samples a request packs at most (see <see cref="PackRequest.TrainSamples"/>).</summary>
    public static long TrainLimit(PackRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TrainSamples is { } asked) return asked;
        var config = request.Config;
        return IsEndless(config) ? (long)config.MaxSteps * config.BatchSize * config.GradAccum : long.MaxValue;
    }

    private static bool IsEndless(TrainingConfig config) => config.Data.StartsWith(TrainingDataFactory.SyntheticPrefix, StringComparison.OrdinalIgnoreCase);

    private static ShardLayout LayoutOf(TrainingConfig config, VlmConfig model, PreparedTrainingData prepared) => new(
        config.Data, checked((int)model.ImageTokenId), prepared.Tokenizer.PadTokenId, model.VitImgSize, model.MpImageTokenLength, model.LmVocabSize,
        VlmConfigFile.ToJson(model));

    private static void PackValidation(ITrainingData data, ShardSetWriter writer, int? limit, IProgress<PackProgress>? progress, CancellationToken cancellation)
    {
        if (limit == 0) return;
        // Batches of one row: each is one sample exactly as the collator makes it (no padding).
        using var batches = data.Validation(1, limit ?? int.MaxValue).GetEnumerator();
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope(); // frees each sample's tensors
            if (!batches.MoveNext()) break;
            writer.Add(ShardFormat.ValidationSplit, ToSample(batches.Current));
            Report(progress, ShardFormat.ValidationSplit, writer.Split(ShardFormat.ValidationSplit).Samples, limit);
        }
    }

    /// <returns>the source samples the collator dropped</returns>
    private static long PackTrain(ITrainingData data, ShardSetWriter writer, long limit, bool endless, List<string> problems,
        IProgress<PackProgress>? progress, CancellationToken cancellation)
    {
        long packed = 0;
        long consumed = 0;
        long? total = limit == long.MaxValue ? null : limit;
        while (packed < limit)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            TrainerBatch batch;
            try
            {
                batch = data.NextBatch(1);
            }
            catch (InvalidOperationException e) when (!endless)
            {
                // The one sample of the batch was dropped when its image was loaded (a file of a DocVQA source that
                // cannot be read): the trainer's batch would have had a row less; here the sample is not packed.
                Note(problems, e.Message);
                if (data.Position.Epoch > 0) break;
                continue;
            }
            // A finite source's first epoch ends here: this sample opens the next epoch, which the trainers repeat.
            if (data.Position.Epoch > 0) break;
            writer.Add(ShardFormat.TrainSplit, ToSample(batch));
            packed++;
            consumed = data.Position.Samples;
            Report(progress, ShardFormat.TrainSplit, packed, total);
        }
        writer.SetSourceSamples(ShardFormat.TrainSplit, consumed);
        return consumed - packed;
    }

    /// <summary>A one-row batch as a shard sample.</summary>
    private static PackedSample ToSample(TrainerBatch batch)
    {
        if (batch.Rows != 1) throw new InvalidOperationException($"Expected a one-row batch, got {batch.Rows} rows.");
        var ids = batch.InputIds.data<long>().ToArray();       // [1, L] → [L]
        var labels = batch.Labels.data<long>().ToArray();      // [1, L] → [L]
        if (batch.AttentionMask.data<long>().Any(m => m != 1))
            throw new InvalidOperationException($"Sample '{batch.SampleIds[0]}' came padded; shards hold samples unpadded.");
        var pixels = batch.PixelValues is { } values && values.shape[0] > 0
            ? values.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray() // [N, 3, S, S] flattened
            : [];
        return new PackedSample(batch.SampleIds[0], ids, labels, pixels, (int)batch.ImageCount);
    }

    private static void Report(IProgress<PackProgress>? progress, string split, long samples, long? total)
    {
        if (progress is not null && (samples % ProgressEvery == 0 || samples == total)) progress.Report(new PackProgress(split, samples, total));
    }

    private static void Note(List<string> problems, string problem)
    {
        if (problems.Count < MaxProblems) problems.Add(problem);
    }
}
