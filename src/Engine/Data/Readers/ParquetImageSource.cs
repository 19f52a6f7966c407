namespace NanoVlm.Engine.Data;

/// <summary>An image stored in a parquet cell (HF <c>Image</c> feature: a {bytes, path} struct).</summary>
internal sealed class ParquetImageSource(ParquetRowGroupImages rowGroup, int rowInGroup, int imageIndex, string? originalName)
    : ImageSource
{
    /// <summary>The shared holder of this row group's image bytes.</summary>
    public ParquetRowGroupImages RowGroupImages => rowGroup;

    public override string Description =>
        $"{rowGroup.ShardName} row group {rowGroup.RowGroup} row {rowInGroup} image {imageIndex}"
        + (string.IsNullOrEmpty(originalName) ? "" : $" ({originalName})");

    public override byte[] ReadBytes() => rowGroup.GetBytes(rowInGroup, imageIndex);
}
