using Parquet.Schema;

namespace NanoVlm.Engine.Data;

/// <summary>
/// Finds the leaf columns of the Hugging Face layouts by structure rather than by physical path, so
/// that list items named <c>element</c> (the <c>datasets</c> library) or <c>item</c> (older pyarrow), and
/// optional or required groups, all work.
/// </summary>
internal static class ParquetSchemaShapes
{
    public static Field? Top(ParquetSchema schema, string name) =>
        schema.Fields.FirstOrDefault(field => field.Name == name);

    /// <summary>A top-level scalar column (not a list, not a struct).</summary>
    public static DataField? Scalar(ParquetSchema schema, string name) =>
        Top(schema, name) is DataField { MaxRepetitionLevel: 0 } data ? data : null;

    /// <summary>A field of a top-level struct, e.g. <c>image.bytes</c> of an HF Image column.</summary>
    public static DataField? StructMember(ParquetSchema schema, string structName, string member) =>
        Top(schema, structName) is StructField structField ? Member(structField, member) : null;

    /// <summary>A list of scalars (<c>answers</c>, <c>question_types</c>): the leaf and the level at which an entry exists.</summary>
    public static RepeatedLeaf? ScalarList(ParquetSchema schema, string name) => Top(schema, name) switch
    {
        ListField { Item: DataField item } list => new RepeatedLeaf(item, list.MaxDefinitionLevel),
        // A legacy "repeated binary name" column: the entry exists at its own maximum level.
        DataField { MaxRepetitionLevel: 1 } repeated => new RepeatedLeaf(repeated, repeated.MaxDefinitionLevel),
        _ => null,
    };

    /// <summary>A field of the structs in a list (<c>images[].bytes</c>, <c>texts[].user</c>).</summary>
    public static RepeatedLeaf? StructListMember(ParquetSchema schema, string listName, string member) =>
        Top(schema, listName) is ListField { Item: StructField item } list && Member(item, member) is { } leaf
            ? new RepeatedLeaf(leaf, list.MaxDefinitionLevel)
            : null;

    /// <summary>
    /// A UTF-8 string column. Parquet.Net 6 types them <see cref="ReadOnlyMemory{T}"/> of char unless the
    /// process-wide <c>ParquetOptions.PreferUntypedString</c> is set, when they are <see cref="string"/>;
    /// either reads as raw <c>ReadOnlyMemory&lt;char&gt;</c>.
    /// </summary>
    public static bool IsText(DataField field) => field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);

    /// <summary>A binary column (byte[] or ReadOnlyMemory&lt;byte&gt;, as for strings).</summary>
    public static bool IsBinary(DataField field) => field.ClrType == typeof(byte[]) || field.ClrType == typeof(ReadOnlyMemory<byte>);

    /// <summary>What the file has, for messages: <c>images (list), texts (list), ...</c>.</summary>
    public static string DescribeColumns(ParquetSchema schema) =>
        string.Join(", ", schema.Fields.Select(field => $"{field.Name} ({field.SchemaType.ToString().ToLowerInvariant()})"));

    private static DataField? Member(StructField structField, string member) =>
        structField.Fields.OfType<DataField>().FirstOrDefault(field => field.Name == member && field.MaxRepetitionLevel <= 1);
}

/// <summary>A leaf inside one level of repetition, with the definition level at which a list entry exists.</summary>
internal sealed record RepeatedLeaf(DataField Leaf, int ItemLevel);
