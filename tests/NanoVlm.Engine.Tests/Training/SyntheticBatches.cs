using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Data;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// Test fixture (not a product component): a small learnable image-question task made from seeded tensors. Each
/// sample is an image filled with one of <see cref="Classes"/> colours and the text
/// <c>[prompt…] [image placeholders] [question] → [answer = colour id] [eos]</c>; only the answer and eos are
/// labelled, so the loss falls only if the model learns to read the image. Every sample is a pure function of
/// (seed, epoch, index), which makes positions exact and resume testable.
/// </summary>
internal sealed class SyntheticBatches : ITrainingData
{
    public const int Classes = 4;
    private const long QuestionToken = 7;
    private const long EosToken = 2;
    private const long FirstAnswerToken = 20;
    private readonly VlmConfig _config;
    private readonly int _length;
    private readonly int _seed;
    private readonly int _epochSize;

    public SyntheticBatches(VlmConfig config, int length = 16, int seed = 1, int epochSize = 64)
    {
        _config = config;
        _length = length;
        _seed = seed;
        _epochSize = epochSize;
        if (length < config.MpImageTokenLength + 5) throw new ArgumentException("sequence too short for the image");
    }

    /// <summary>Training sample indices (within every epoch) whose pixels are NaN: a genuinely bad sample.</summary>
    public HashSet<long> PoisonedSamples { get; } = [];

    /// <summary>Training sample indices whose answer is masked out (no labelled token: an answer cut off by max_length).</summary>
    public HashSet<long> UnlabelledSamples { get; } = [];

    /// <summary>Training sample indices that are nothing but padding (attention mask all 0, no label): a fully masked attention row.</summary>
    public HashSet<long> PaddingOnlySamples { get; } = [];

    /// <summary>Multiplies every pixel (an "unnormalised images" data bug).</summary>
    public float PixelScale { get; init; } = 1;

    public DataPosition Position { get; private set; } = DataPosition.Start;

    public int BatchesServed { get; private set; }

    public void Seek(DataPosition position) => Position = position;

    public TrainingBatch NextBatch(int batchSize)
    {
        var samples = new List<(long Epoch, long Index)>();
        var (epoch, index) = (Position.Epoch, Position.Samples);
        for (var i = 0; i < batchSize; i++)
        {
            samples.Add((epoch, index));
            if (++index == _epochSize) (epoch, index) = (epoch + 1, 0);
        }
        Position = new DataPosition(epoch, index);
        BatchesServed++;
        var collated = Collate(samples.Select(s => (s.Epoch * 7919 + s.Index + 1, $"train-{s.Epoch}-{s.Index}", PoisonedSamples.Contains(s.Index))).ToList());
        for (var row = 0; row < samples.Count; row++)
        {
            if (UnlabelledSamples.Contains(samples[row].Index) || PaddingOnlySamples.Contains(samples[row].Index))
                collated.Labels[row].fill_(-100);
            if (PaddingOnlySamples.Contains(samples[row].Index)) collated.AttentionMask[row].fill_(0);
        }
        return collated;
    }

    public IEnumerable<TrainingBatch> Validation(int batchSize, int maxBatches)
    {
        for (var b = 0; b < maxBatches; b++)
        {
            yield return Collate(Enumerable.Range(b * batchSize, batchSize)
                .Select(i => (1_000_000L + i, $"val-{i}", false)).ToList());
        }
    }

    private TrainingBatch Collate(List<(long Key, string Id, bool Poisoned)> samples)
    {
        var batch = samples.Count;
        var ids = new long[batch, _length];
        var mask = new long[batch, _length];
        var labels = new long[batch, _length];
        var pixels = new float[batch, 3, _config.VitImgSize, _config.VitImgSize];
        for (var b = 0; b < batch; b++)
        {
            // A fixed mix, not HashCode.Combine: that one is randomised per process, and the fixture must be the same every run.
            var random = new Random(unchecked((int)(samples[b].Key * 1_000_003L + _seed * 7_919L)));
            var colour = random.Next(Classes);
            var padding = random.Next(3);
            var t = 0;
            for (; t < padding; t++) (ids[b, t], mask[b, t], labels[b, t]) = (0, 0, -100);
            ids[b, t] = 3 + random.Next(4); // a prompt token
            (mask[b, t], labels[b, t]) = (1, -100);
            t++;
            for (var k = 0; k < _config.MpImageTokenLength; k++, t++) (ids[b, t], mask[b, t], labels[b, t]) = (_config.ImageTokenId, 1, -100);
            var answer = FirstAnswerToken + colour;
            (ids[b, t], mask[b, t], labels[b, t]) = (QuestionToken, 1, answer);
            t++;
            (ids[b, t], mask[b, t], labels[b, t]) = (answer, 1, EosToken);
            t++;
            for (; t < _length; t++) (ids[b, t], mask[b, t], labels[b, t]) = (EosToken, 1, -100);

            var channel = colour % 3;
            var value = (colour < 3 ? 1f : -1f) * PixelScale;
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < _config.VitImgSize; y++)
                    for (var x = 0; x < _config.VitImgSize; x++)
                        pixels[b, c, y, x] = samples[b].Poisoned ? float.NaN
                            : (c == channel ? value : 0) + (float)(random.NextDouble() - 0.5) * 0.2f * PixelScale;
        }
        return new TrainingBatch(tensor(ids), tensor(mask), tensor(labels), tensor(pixels), samples.Select(s => s.Id).ToArray());
    }
}
