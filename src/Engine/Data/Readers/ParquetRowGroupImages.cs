using Parquet;

namespace NanoVlm.Engine.Data;

/// <summary>
/// The image bytes of one row group of one shard, read on first use and shared by the samples of that
/// row group. A reader that only needs the text (inspect, length preflight) never reads the image
/// column; a training loop that walks the rows in order reads each row group's images once. The bytes
/// live as long as a sample of the row group does.
/// </summary>
internal sealed class ParquetRowGroupImages
{
    private readonly string _shardPath;
    private readonly int _rowGroup;
    private readonly string _bytesPath;
    private readonly int? _itemLevel;
    private readonly int _rowCount;
    private readonly Lock _gate = new();
    private byte[]?[][]? _rows;

    /// <param name="bytesPath">The physical path of the bytes leaf, e.g. <c>images.list.element.bytes</c>.</param>
    /// <param name="itemLevel">For a list of images, the level at which an entry exists; null for one image per row.</param>
    public ParquetRowGroupImages(string shardPath, int rowGroup, string bytesPath, int? itemLevel, int rowCount)
    {
        _shardPath = shardPath;
        _rowGroup = rowGroup;
        _bytesPath = bytesPath;
        _itemLevel = itemLevel;
        _rowCount = rowCount;
    }

    public string ShardName => Path.GetFileName(_shardPath);

    public int RowGroup => _rowGroup;

    /// <summary>True once the bytes are in memory.</summary>
    public bool IsLoaded
    {
        get
        {
            lock (_gate)
            {
                return _rows is not null;
            }
        }
    }

    /// <summary>Per row, per image: the bytes, or null where the file stores none.</summary>
    public byte[]?[][] Rows(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _rows ??= ParquetSync.Run(() => LoadAsync(cancellationToken));
        }
    }

    /// <summary>Reads the bytes column with an open reader (used when the reader needs them anyway).</summary>
    public async Task<byte[]?[][]> LoadWithAsync(ParquetReader reader, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(reader, cancellationToken);
        lock (_gate)
        {
            _rows ??= rows;
            return _rows;
        }
    }

    public byte[] GetBytes(int rowInGroup, int imageIndex)
    {
        byte[]?[][] rows;
        try
        {
            rows = Rows();
        }
        catch (Exception e) when (e is not OperationCanceledException and not ImageUnavailableException)
        {
            throw new ImageUnavailableException($"Cannot read the images of {ShardName} row group {_rowGroup}: {e.Message}", e);
        }
        var images = rows[rowInGroup];
        return imageIndex < images.Length && images[imageIndex] is { } bytes
            ? bytes
            : throw new ImageUnavailableException($"{ShardName} row group {_rowGroup} row {rowInGroup} has no bytes for image {imageIndex}.");
    }

    private async Task<byte[]?[][]> LoadAsync(CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(_shardPath, cancellationToken: cancellationToken);
        return await ReadAsync(reader, cancellationToken);
    }

    private async Task<byte[]?[][]> ReadAsync(ParquetReader reader, CancellationToken cancellationToken)
    {
        var field = reader.Schema.DataFields.FirstOrDefault(field => field.Path.ToString() == _bytesPath)
            ?? throw new InvalidDataException($"{ShardName} has no column '{_bytesPath}' any more");
        var rowGroup = reader.OpenRowGroupReader(_rowGroup);
        var column = await ParquetLeafColumn<ReadOnlyMemory<byte>>.ReadAsync(rowGroup, field, cancellationToken);
        if (_itemLevel is { } itemLevel)
        {
            return column.ToLists(_rowCount, itemLevel, ParquetValues.Bytes).Select(list => list.ToArray()).ToArray();
        }
        return column.ToScalars(_rowCount, ParquetValues.Bytes).Select(bytes => new[] { bytes }).ToArray();
    }
}
