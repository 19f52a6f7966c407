using System.Text;
using System.Text.Json;

namespace NanoVlm.Engine.Data.Packing;

/// <summary>What a shard folder's samples must agree with; the index's header fields.</summary>
/// <param name="Source">what the samples are made from (<c>train --data</c> syntax)</param>
/// <param name="ModelConfigJson">the model's config.json, stored in the index (optional)</param>
public sealed record ShardLayout(
    string Source, int ImageTokenId, int PadTokenId, int TileSize, int ImageTokenLength, int VocabSize, string? ModelConfigJson = null);

/// <summary>
/// Writes a shard folder (docs/distributed.md, "Shard format"): samples are added per split in training order, shard
/// files are written as they fill up, and <see cref="Complete"/> writes <c>index.json</c> last, atomically, so a folder
/// with an index is whole. Every sample is checked as it is added (ids in the vocabulary, labels −100 or ids, one run
/// of placeholders per tile, pixels of the declared size); a bad sample is refused with its id named.
/// </summary>
public sealed class ShardSetWriter : IDisposable
{
    private static readonly JsonSerializerOptions IndexJson = new() { WriteIndented = true };

    private readonly string _folder;
    private readonly ShardLayout _layout;
    private readonly int _samplesPerShard;
    private readonly long _maxShardBytes;
    private readonly Dictionary<string, ShardSplitInfo> _splits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShardFileWriter> _open = new(StringComparer.Ordinal);
    private readonly List<string> _written = [];
    private bool _completed;

    /// <param name="folder">an empty or missing folder</param>
    /// <param name="samplesPerShard">a shard file is closed after this many samples</param>
    /// <param name="maxShardBytes">... or once it holds about this many bytes</param>
    public ShardSetWriter(string folder, ShardLayout layout, int samplesPerShard = 256, long maxShardBytes = 1L << 30)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerShard, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxShardBytes, 1);
        if (layout.TileSize < 1 || layout.ImageTokenLength < 1 || layout.VocabSize < 1)
            throw new ArgumentException("tile_size, image_token_length and vocab_size must be positive.", nameof(layout));
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new IOException($"'{folder}' is not empty; shards go into an empty or new folder (delete it or choose another --out).");
        Directory.CreateDirectory(folder);
        _folder = folder;
        _layout = layout;
        _samplesPerShard = samplesPerShard;
        _maxShardBytes = maxShardBytes;
    }

    /// <summary>The split's totals so far.</summary>
    public ShardSplitInfo Split(string split) => _splits.TryGetValue(split, out var info) ? info : new ShardSplitInfo();

    /// <summary>Adds a sample to the end of a split.</summary>
    /// <exception cref="InvalidDataException">the sample does not fit the layout (the message names it)</exception>
    public void Add(string split, PackedSample sample)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        ArgumentNullException.ThrowIfNull(sample);
        ObjectDisposedException.ThrowIf(_completed, this);
        Check(sample);
        if (!_splits.TryGetValue(split, out var info)) _splits[split] = info = new ShardSplitInfo();
        if (!_open.TryGetValue(split, out var writer))
        {
            var path = Path.Combine(_folder, ShardFormat.ShardFileName(split, info.Shards.Count));
            _written.Add(path);
            _open[split] = writer = new ShardFileWriter(path, _layout.TileSize);
        }
        writer.Add(sample);
        info.Samples++;
        info.Tokens += sample.Length;
        info.LabelledTokens += sample.LabelledTokens;
        info.Tiles += sample.Tiles;
        info.MaxSampleTokens = Math.Max(info.MaxSampleTokens, sample.Length);
        if (writer.Samples >= _samplesPerShard || writer.DataBytes >= _maxShardBytes) Flush(split);
    }

    /// <summary>Records how many source samples a split consumed (those dropped included); see <see cref="ShardSplitInfo.SourceSamples"/>.</summary>
    public void SetSourceSamples(string split, long count)
    {
        if (!_splits.TryGetValue(split, out var info)) _splits[split] = info = new ShardSplitInfo();
        info.SourceSamples = count;
    }

    /// <summary>Writes the last shard files and then <c>index.json</c>; returns the index.</summary>
    /// <exception cref="InvalidDataException">the train split holds no sample</exception>
    public ShardIndex Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        foreach (var split in _open.Keys.ToList()) Flush(split);
        if (Split(ShardFormat.TrainSplit).Samples == 0)
            throw new InvalidDataException("No training sample could be packed: the train split would be empty.");
        var index = new ShardIndex
        {
            Source = _layout.Source,
            ImageTokenId = _layout.ImageTokenId,
            PadTokenId = _layout.PadTokenId,
            TileSize = _layout.TileSize,
            ImageTokenLength = _layout.ImageTokenLength,
            VocabSize = _layout.VocabSize,
            Model = _layout.ModelConfigJson is null ? null : System.Text.Json.Nodes.JsonNode.Parse(_layout.ModelConfigJson),
            Splits = new Dictionary<string, ShardSplitInfo>(_splits, StringComparer.Ordinal),
        };
        var path = Path.Combine(_folder, ShardFormat.IndexFileName);
        var temporary = Path.Combine(_folder, $".{ShardFormat.IndexFileName}.{Guid.NewGuid():N}");
        File.WriteAllText(temporary, JsonSerializer.Serialize(index, IndexJson), new UTF8Encoding(false));
        File.Move(temporary, path);
        _completed = true;
        return index;
    }

    /// <summary>Closes open shard files. Without <see cref="Complete"/> (an error, a cancel) every file written is deleted.</summary>
    public void Dispose()
    {
        foreach (var writer in _open.Values) writer.Dispose();
        _open.Clear();
        if (_completed) return;
        foreach (var path in _written.Where(File.Exists)) File.Delete(path);
        _completed = true;
    }

    private void Flush(string split)
    {
        if (!_open.Remove(split, out var writer)) return;
        using (writer)
        {
            if (writer.Samples > 0) _splits[split].Shards.Add(writer.Complete());
        }
    }

    private void Check(PackedSample sample)
    {
        string Bad(string why) => $"Sample '{sample.Id}' cannot be packed: {why}";
        if (sample.InputIds.Length == 0 || sample.Labels.Length != sample.InputIds.Length)
            throw new InvalidDataException(Bad($"it has {sample.InputIds.Length} ids and {sample.Labels.Length} labels (need the same, non-zero count)."));
        var placeholders = 0L;
        foreach (var id in sample.InputIds)
        {
            if (id < 0 || id >= _layout.VocabSize) throw new InvalidDataException(Bad($"token id {id} lies outside the vocabulary [0, {_layout.VocabSize})."));
            if (id == _layout.ImageTokenId) placeholders++;
        }
        foreach (var label in sample.Labels)
        {
            if (label != ShardFormat.IgnoreIndex && (label < 0 || label >= _layout.VocabSize))
                throw new InvalidDataException(Bad($"label {label} is neither -100 nor a token id."));
        }
        if (placeholders != (long)sample.Tiles * _layout.ImageTokenLength)
            throw new InvalidDataException(Bad($"{placeholders} image placeholders for {sample.Tiles} tile(s) of {_layout.ImageTokenLength} tokens each."));
        var tileValues = 3L * _layout.TileSize * _layout.TileSize;
        if (sample.Pixels.LongLength != sample.Tiles * tileValues)
            throw new InvalidDataException(Bad($"{sample.Pixels.LongLength} pixel values for {sample.Tiles} tile(s) of 3×{_layout.TileSize}×{_layout.TileSize}."));
    }
}
