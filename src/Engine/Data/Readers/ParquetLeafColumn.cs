using System.Globalization;
using System.Runtime.InteropServices;
using Parquet;
using Parquet.Schema;

namespace NanoVlm.Engine.Data;

/// <summary>
/// One leaf column of one row group, read raw (values plus definition and repetition levels) and
/// regrouped per row. Reading the levels ourselves instead of through Parquet.Net's serializers lets a
/// reader take only the columns it needs (never the image bytes unless asked), accept lists whose item is
/// named <c>element</c> or <c>item</c> and any nullability, and see empty lists and null items for what
/// they are. The shapes needed here are a scalar (possibly inside a struct) and a list of scalars or of
/// structs (one level of repetition).
/// </summary>
internal sealed class ParquetLeafColumn<TRaw> where TRaw : struct
{
    private readonly TRaw[] _values;
    private readonly int[]? _definitionLevels;
    private readonly int[]? _repetitionLevels;
    private readonly int _levelCount;
    private readonly int _maxDefinitionLevel;

    private ParquetLeafColumn(TRaw[] values, int[]? definitionLevels, int[]? repetitionLevels, int levelCount, int maxDefinitionLevel)
    {
        _values = values;
        _definitionLevels = definitionLevels;
        _repetitionLevels = repetitionLevels;
        _levelCount = levelCount;
        _maxDefinitionLevel = maxDefinitionLevel;
    }

    public static async Task<ParquetLeafColumn<TRaw>> ReadAsync(ParquetRowGroupReader rowGroup, DataField field, CancellationToken cancellationToken)
    {
        var metadata = rowGroup.GetMetadata(field)?.MetaData
            ?? throw new InvalidDataException($"column '{field.Path}' has no data in this row group");
        var count = checked((int)metadata.NumValues);
        var values = new TRaw[count];
        var definition = field.MaxDefinitionLevel > 0 ? new int[count] : null;
        var repetition = field.MaxRepetitionLevel > 0 ? new int[count] : null;
        // Cast explicitly: "x is null ? null : array" would convert the null through int[] to an empty
        // Memory<int>, which Parquet.Net takes as a (too small) buffer rather than "no levels".
        await rowGroup.ReadRawAsync(field, values.AsMemory(),
            definition is null ? (Memory<int>?)null : definition,
            repetition is null ? (Memory<int>?)null : repetition,
            cancellationToken);
        return new ParquetLeafColumn<TRaw>(values, definition, repetition, count, field.MaxDefinitionLevel);
    }

    /// <summary>One value per row, null where the value or any struct around it is null.</summary>
    public TValue?[] ToScalars<TValue>(int rowCount, Func<TRaw, TValue> convert)
    {
        if (_repetitionLevels is not null || _levelCount != rowCount)
        {
            throw new InvalidDataException($"expected one value per row ({rowCount}), found {_levelCount} (is the column repeated?)");
        }
        var result = new TValue?[rowCount];
        var next = 0;
        for (var row = 0; row < rowCount; row++)
        {
            var defined = _definitionLevels is null || _definitionLevels[row] == _maxDefinitionLevel;
            result[row] = defined ? convert(_values[next++]) : default;
        }
        return result;
    }

    /// <summary>
    /// The list in each row, null-free on the outside: a null or empty list gives an empty list. An entry
    /// is null where the list item (or a struct field inside it) is null.
    /// </summary>
    /// <param name="itemLevel">The definition level at which a list entry exists (the repeated group's
    /// level, <see cref="Field.MaxDefinitionLevel"/> of the <see cref="ListField"/>).</param>
    public List<TValue?>[] ToLists<TValue>(int rowCount, int itemLevel, Func<TRaw, TValue> convert)
    {
        if (_repetitionLevels is null || _definitionLevels is null)
        {
            throw new InvalidDataException("expected a repeated column");
        }
        var result = new List<TValue?>[rowCount];
        var row = -1;
        var next = 0;
        for (var i = 0; i < _levelCount; i++)
        {
            if (_repetitionLevels[i] == 0)
            {
                row++;
                if (row >= rowCount)
                {
                    throw new InvalidDataException($"the column holds more rows than the row group's {rowCount}");
                }
                result[row] = [];
            }
            else if (row < 0)
            {
                throw new InvalidDataException("the column does not start at a row boundary");
            }
            var level = _definitionLevels[i];
            if (level < itemLevel)
            {
                continue; // a null or empty list: no entry
            }
            result[row].Add(level == _maxDefinitionLevel ? convert(_values[next++]) : default);
        }
        if (row != rowCount - 1)
        {
            throw new InvalidDataException($"the column holds {row + 1} rows, the row group {rowCount}");
        }
        return result;
    }
}

/// <summary>Conversions from the raw value types of <see cref="ParquetLeafColumn{TRaw}"/>.</summary>
internal static class ParquetValues
{
    public static string Text(ReadOnlyMemory<char> value) => value.ToString();

    /// <summary>The bytes without a copy when the memory is a whole array (Parquet.Net allocates one per value).</summary>
    public static byte[] Bytes(ReadOnlyMemory<byte> value) =>
        MemoryMarshal.TryGetArray(value, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : value.ToArray();

    /// <summary>
    /// An id column as text whatever its physical type (lmms-lab stores <c>questionId</c> as a string,
    /// other exports as an integer).
    /// </summary>
    public static async Task<string?[]> ReadIdsAsync(ParquetRowGroupReader rowGroup, DataField field, int rowCount, CancellationToken cancellationToken)
    {
        if (ParquetSchemaShapes.IsText(field))
        {
            return (await ParquetLeafColumn<ReadOnlyMemory<char>>.ReadAsync(rowGroup, field, cancellationToken)).ToScalars(rowCount, Text);
        }
        if (field.ClrType == typeof(long))
        {
            return (await ParquetLeafColumn<long>.ReadAsync(rowGroup, field, cancellationToken))
                .ToScalars(rowCount, value => value.ToString(CultureInfo.InvariantCulture));
        }
        if (field.ClrType == typeof(int))
        {
            return (await ParquetLeafColumn<int>.ReadAsync(rowGroup, field, cancellationToken))
                .ToScalars(rowCount, value => value.ToString(CultureInfo.InvariantCulture));
        }
        throw new InvalidDataException($"column '{field.Path}' is {field.ClrType.Name}; expected a string or an integer");
    }
}
