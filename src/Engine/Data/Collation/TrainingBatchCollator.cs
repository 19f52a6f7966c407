using NanoVlm.Engine.Model;
using NanoVlm.Engine.Text;
using NanoVlm.Engine.Vision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// Samples → <see cref="TrainingBatch"/>: encodes text with <see cref="SampleEncoder"/> (dropping and counting what
/// cannot fit), renders or loads each image, cuts it into tiles with the nanoVLM image processor, and left-pads the
/// rows (reference <c>VQACollator</c>, spec §6.4).
/// </summary>
public sealed class TrainingBatchCollator
{
    private readonly NanoVlmImageProcessor _processor;

    public TrainingBatchCollator(SampleEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        Encoder = encoder;
        _processor = new NanoVlmImageProcessor(encoder.ImageSettings);
    }

    /// <summary>The collator for a model config and its tokenizer (see <see cref="SampleEncoder.ForModel"/>).</summary>
    public static TrainingBatchCollator ForModel(VlmConfig config, NanoVlmTokenizer tokenizer, CollatorOptions options) =>
        new(SampleEncoder.ForModel(config, tokenizer, options));

    public SampleEncoder Encoder { get; }

    public CollationStatistics Statistics { get; } = new();

    /// <summary>Encodes, drops what cannot be used (counted in <see cref="Statistics"/>) and batches the rest.</summary>
    /// <exception cref="InvalidOperationException">Every sample was dropped.</exception>
    public TrainingBatch Collate(IReadOnlyList<VqaSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var encoded = new List<EncodedSample>(samples.Count);
        foreach (var sample in samples)
        {
            var encoding = Encoder.Encode(sample);
            if (encoding.Sample is { } kept)
            {
                Statistics.RecordKept(kept);
                encoded.Add(kept);
            }
            else
            {
                Statistics.RecordDropped(encoding.Drop!);
            }
        }
        return Collate(encoded);
    }

    /// <summary>
    /// Batches samples already encoded (and counted) by <see cref="Encoder"/>. A sample whose image cannot be loaded
    /// or is not the declared size is dropped and counted.
    /// </summary>
    /// <exception cref="InvalidOperationException">No sample is left.</exception>
    public TrainingBatch Collate(IReadOnlyList<EncodedSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        var rows = new List<EncodedSample>(samples.Count);
        var tiles = new List<Tensor>();
        foreach (var sample in samples)
        {
            var sampleTiles = LoadTiles(sample, out var drop);
            if (sampleTiles is null)
            {
                Statistics.RecordImageFailure(sample, drop!);
                continue;
            }
            rows.Add(sample);
            tiles.AddRange(sampleTiles);
        }
        if (rows.Count == 0)
        {
            var reasons = string.Join("; ", Statistics.DropExamples.TakeLast(3).Select(d => d.Message));
            throw new InvalidOperationException($"Every sample of the batch was dropped. Last reasons: {reasons}");
        }

        var length = Encoder.Options.Padding == PaddingLength.MaxLength ? Encoder.MaxLength : rows.Max(r => r.Length);
        var batch = rows.Count;
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        var labels = new long[batch * length];
        Array.Fill(ids, (long)Encoder.Tokenizer.PadTokenId);
        Array.Fill(labels, EncodedSample.IgnoreIndex);
        long labelled = 0;
        for (var b = 0; b < batch; b++)
        {
            var row = rows[b];
            var offset = b * length + (length - row.Length); // left padding
            row.InputIds.CopyTo(ids, offset);
            row.Labels.CopyTo(labels, offset);
            Array.Fill(mask, 1L, offset, row.Length);
            labelled += row.LabelledTokens;
        }

        var tile = Encoder.ImageSettings.TileSize;
        var pixels = tiles.Count > 0 ? cat(tiles, 0) : zeros([0, 3, tile, tile], ScalarType.Float32); // [N, 3, S, S]
        return new TrainingBatch(
            tensor(ids, [batch, length]).MoveToOuterDisposeScope(),
            tensor(mask, [batch, length]).MoveToOuterDisposeScope(),
            tensor(labels, [batch, length]).MoveToOuterDisposeScope(),
            pixels.MoveToOuterDisposeScope(),
            rows.Select(r => r.Id).ToArray(),
            labelled);
    }

    /// <summary>The sample's tiles in placeholder order, or null with the reason.</summary>
    private List<Tensor>? LoadTiles(EncodedSample sample, out SampleDrop? drop)
    {
        var tiles = new List<Tensor>();
        for (var k = 0; k < sample.Images.Count; k++)
        {
            var declared = sample.Images[k];
            try
            {
                using var image = declared.Load();
                if (image.Width != declared.Width || image.Height != declared.Height)
                {
                    drop = new SampleDrop(sample.Id, DropReason.ImageUnusable,
                        $"Sample '{sample.Id}' declared a {declared.Width}×{declared.Height} image {k} but it is {image.Width}×{image.Height}.");
                    return null;
                }
                var processed = _processor.Process(image);
                if ((processed.GridRows, processed.GridColumns) != sample.Grids[k])
                {
                    throw new InvalidOperationException(
                        $"Image {k} of '{sample.Id}' was cut into {processed.GridRows}×{processed.GridColumns} tiles, not the {sample.Grids[k].Rows}×{sample.Grids[k].Columns} its tokens were counted for.");
                }
                tiles.Add(processed.PixelValues);
            }
            catch (Exception e) when (e is IOException or ImageRejectedException or SixLabors.ImageSharp.ImageFormatException or UnauthorizedAccessException)
            {
                drop = new SampleDrop(sample.Id, DropReason.ImageUnusable, $"Image {k} of sample '{sample.Id}' could not be loaded: {e.Message}");
                return null;
            }
        }
        drop = null;
        return tiles;
    }
}
