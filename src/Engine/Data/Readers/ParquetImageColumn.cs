using Parquet;
using Parquet.Schema;

namespace NanoVlm.Engine.Data;

/// <summary>
/// An HF <c>Image</c> column (a {bytes, path} struct, alone or in a list) located in a shard's schema,
/// and the per-row-group check of which rows have image bytes. The check reads no image bytes when the
/// column statistics show no nulls (the normal case); otherwise it reads the bytes once and keeps them
/// for the samples (<see cref="ParquetRowGroupImages"/>).
/// </summary>
internal sealed class ParquetImageColumn
{
    private ParquetImageColumn(DataField bytes, DataField? path, int? itemLevel)
    {
        Bytes = bytes;
        PathLeaf = path;
        ItemLevel = itemLevel;
    }

    public DataField Bytes { get; }

    public DataField? PathLeaf { get; }

    /// <summary>Null for one image per row; for a list, the level at which an entry exists.</summary>
    public int? ItemLevel { get; }

    /// <summary>A struct column such as lmms-lab's <c>image</c>.</summary>
    public static ParquetImageColumn? Single(ParquetSchema schema, string name) =>
        ParquetSchemaShapes.StructMember(schema, name, "bytes") is { } bytes && ParquetSchemaShapes.IsBinary(bytes)
            ? new ParquetImageColumn(bytes, ParquetSchemaShapes.StructMember(schema, name, "path"), null)
            : null;

    /// <summary>A list-of-struct column such as the_cauldron's <c>images</c>.</summary>
    public static ParquetImageColumn? List(ParquetSchema schema, string name) =>
        ParquetSchemaShapes.StructListMember(schema, name, "bytes") is { } bytes && ParquetSchemaShapes.IsBinary(bytes.Leaf)
            ? new ParquetImageColumn(bytes.Leaf, ParquetSchemaShapes.StructListMember(schema, name, "path")?.Leaf, bytes.ItemLevel)
            : null;

    /// <summary>
    /// For each row: its images (sources that read lazily), or null with the reason when a row has no
    /// image or an image without bytes.
    /// </summary>
    public async Task<RowImages[]> LocateAsync(ParquetReader reader, RowGroupPosition position, CancellationToken cancellationToken)
    {
        var rowGroup = reader.OpenRowGroupReader(position.RowGroup);
        var images = new ParquetRowGroupImages(position.Shard, position.RowGroup, Bytes.Path.ToString(), ItemLevel, position.RowCount);
        var names = await ReadNamesAsync(rowGroup, position.RowCount, cancellationToken);

        byte[]?[][]? loaded = null;
        if (!StatisticsShowNoNulls(rowGroup) || names is null)
        {
            loaded = await images.LoadWithAsync(reader, cancellationToken);
        }

        var result = new RowImages[position.RowCount];
        for (var row = 0; row < position.RowCount; row++)
        {
            var count = loaded?[row].Length ?? names![row].Count;
            if (count == 0)
            {
                result[row] = new RowImages(null, "the row has no image");
                continue;
            }
            // Without loaded bytes the statistics vouched that none is null; empty ones then surface when
            // the image is used or verified, as an empty image file would.
            var missing = loaded is null ? -1 : Array.FindIndex(loaded[row], bytes => bytes is null or { Length: 0 });
            if (missing >= 0)
            {
                var what = loaded![row][missing] is null ? "has no bytes" : "is empty (0 bytes)";
                result[row] = new RowImages(null, ItemLevel is null ? $"the image {what}" : $"image {missing} {what}");
                continue;
            }
            var sources = new ImageSource[count];
            for (var index = 0; index < count; index++)
            {
                var name = names is not null && index < names[row].Count ? names[row][index] : null;
                sources[index] = new ParquetImageSource(images, row, index, name);
            }
            result[row] = new RowImages(sources, null);
        }
        return result;
    }

    // The stored file names (image.path), which also give the number of images per row without touching
    // the bytes. Null when the column has no path field.
    private async Task<List<string?>[]?> ReadNamesAsync(ParquetRowGroupReader rowGroup, int rowCount, CancellationToken cancellationToken)
    {
        if (PathLeaf is null || !ParquetSchemaShapes.IsText(PathLeaf))
        {
            return null;
        }
        var column = await ParquetLeafColumn<ReadOnlyMemory<char>>.ReadAsync(rowGroup, PathLeaf, cancellationToken);
        return ItemLevel is { } itemLevel
            ? column.ToLists(rowCount, itemLevel, ParquetValues.Text)
            : column.ToScalars(rowCount, ParquetValues.Text).Select(name => new List<string?> { name }).ToArray();
    }

    private bool StatisticsShowNoNulls(ParquetRowGroupReader rowGroup)
    {
        try
        {
            return rowGroup.GetStatistics(Bytes)?.NullCount == 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false; // unreadable statistics: read the bytes instead
        }
    }
}

/// <summary>A row's images, or why it has none usable.</summary>
internal sealed record RowImages(IReadOnlyList<ImageSource>? Images, string? Problem);
