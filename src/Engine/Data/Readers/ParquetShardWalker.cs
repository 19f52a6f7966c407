using Parquet;
using Parquet.Schema;

namespace NanoVlm.Engine.Data;

/// <summary>
/// Shared walk over parquet shards for the parquet formats: shard by shard, row group by row group,
/// holding one row group's text columns at a time. A shard that cannot be opened, a shard without the
/// format's columns, and a row group that cannot be decoded are reported as skipped rows, never thrown.
/// </summary>
/// <typeparam name="TColumns">The format's columns, located in one shard's schema.</typeparam>
internal sealed class ParquetShardWalker<TColumns> where TColumns : class
{
    private readonly IReadOnlyList<string> _shards;

    public ParquetShardWalker(string path, DocVqaFormat format, ParquetFormat<TColumns> layout)
    {
        ArgumentNullException.ThrowIfNull(path);
        _shards = ParquetShards.Find(path);
        if (_shards.Count == 0)
        {
            throw new DatasetFormatException($"{path} holds no *.parquet files.");
        }
        Format = format;
        _layout = layout;
    }

    private readonly ParquetFormat<TColumns> _layout;

    public DocVqaFormat Format { get; }

    public IReadOnlyList<string> Shards => _shards;

    public IEnumerable<ReadResult> Read(CancellationToken cancellationToken = default)
    {
        var firstRow = 0L;
        foreach (var shard in _shards)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = System.IO.Path.GetFileName(shard);
            var reader = Open(shard, cancellationToken, out var openError);
            if (reader is null)
            {
                yield return new SkippedRow(firstRow, $"{name} is not a readable parquet file ({openError}); its rows could not be counted.");
                continue;
            }
            try
            {
                var columns = _layout.Locate(reader.Schema, out var missing);
                if (columns is null)
                {
                    var rows = TotalRows(reader);
                    var reason = $"{name} is not in the {Format.ToName()} layout: {missing}. Its columns: {ParquetSchemaShapes.DescribeColumns(reader.Schema)}.";
                    for (var row = 0L; row < rows; row++)
                    {
                        yield return new SkippedRow(firstRow + row, reason);
                    }
                    if (rows == 0)
                    {
                        yield return new SkippedRow(firstRow, reason);
                    }
                    firstRow += rows;
                    continue;
                }
                var rowInShard = 0L;
                for (var group = 0; group < reader.RowGroupCount; group++)
                {
                    var rowGroup = reader.OpenRowGroupReader(group);
                    var rowCount = checked((int)rowGroup.RowCount);
                    var position = new RowGroupPosition(shard, group, firstRow, rowInShard, rowCount);
                    var results = ReadGroup(reader, columns, position, cancellationToken);
                    foreach (var result in results)
                    {
                        yield return result;
                    }
                    firstRow += rowCount;
                    rowInShard += rowCount;
                }
            }
            finally
            {
                reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private List<ReadResult> ReadGroup(ParquetReader reader, TColumns columns, RowGroupPosition position, CancellationToken cancellationToken)
    {
        try
        {
            return ParquetSync.Run(() => _layout.ReadRowGroupAsync(reader, columns, position, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Corrupt pages can fail in many ways (Parquet.Net throws what the bytes lead to); the rows are
            // known by count, so each is reported.
            var reason = $"{position.ShardName} row group {position.RowGroup} could not be decoded ({e.GetType().Name}: {e.Message}).";
            return Enumerable.Range(0, position.RowCount).Select(row => (ReadResult)new SkippedRow(position.FirstRow + row, reason)).ToList();
        }
    }

    private static ParquetReader? Open(string shard, CancellationToken cancellationToken, out string? error)
    {
        error = null;
        try
        {
            return ParquetSync.Run(() => ParquetReader.CreateAsync(shard, cancellationToken: cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = e.Message;
            return null;
        }
    }

    private static long TotalRows(ParquetReader reader) =>
        Enumerable.Range(0, reader.RowGroupCount).Sum(group => reader.OpenRowGroupReader(group).RowCount);
}

/// <summary>What a parquet format contributes to the walk: finding its columns and decoding a row group.</summary>
internal abstract class ParquetFormat<TColumns> where TColumns : class
{
    /// <summary>Finds the format's columns, or returns null and says what is missing.</summary>
    public abstract TColumns? Locate(ParquetSchema schema, out string missing);

    /// <summary>Reads the text columns of one row group and turns each row into a result.</summary>
    public abstract Task<List<ReadResult>> ReadRowGroupAsync(ParquetReader reader, TColumns columns, RowGroupPosition position, CancellationToken cancellationToken);
}

/// <summary>
/// Where a row group is: its shard and index, the data-set row number and the shard row number of its
/// first row, and its number of rows.
/// </summary>
internal sealed record RowGroupPosition(string Shard, int RowGroup, long FirstRow, long FirstRowInShard, int RowCount)
{
    public string ShardName => Path.GetFileName(Shard);

    /// <summary>The row's place in its shard, for messages and ids: <c>train-00000.parquet#17</c>.</summary>
    public string Where(int rowInGroup) => $"{ShardName}#{FirstRowInShard + rowInGroup}";
}
