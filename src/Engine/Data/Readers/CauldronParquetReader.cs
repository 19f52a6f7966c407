using Parquet;
using Parquet.Schema;

namespace NanoVlm.Engine.Data;

/// <summary>
/// <c>HuggingFaceM4/the_cauldron</c> config <c>docvqa</c> shards (<c>train-000NN-of-00014-*.parquet</c>):
/// one row per document with <c>images</c> (list of {bytes, path}) and <c>texts</c> (list of
/// {user, assistant, source}); each text is one turn, so a row becomes a multi-turn sample with one
/// answer per turn, as nanoVLM trains on it (spec §6.1, §3.3). The set has no ids: a sample's id is its
/// shard and row.
/// </summary>
public sealed class CauldronParquetReader : IDocVqaReader
{
    private readonly ParquetShardWalker<Columns> _walker;

    /// <summary>One shard, or a folder of shards (see <see cref="ParquetShards.Find"/>).</summary>
    public CauldronParquetReader(string path)
    {
        _walker = new ParquetShardWalker<Columns>(path, DocVqaFormat.CauldronParquet, new Layout());
        Path = path;
    }

    public DocVqaFormat Format => DocVqaFormat.CauldronParquet;

    public string Path { get; }

    /// <summary>The shard files, in reading order.</summary>
    public IReadOnlyList<string> Shards => _walker.Shards;

    public IEnumerable<ReadResult> Read(CancellationToken cancellationToken = default) => _walker.Read(cancellationToken);

    /// <summary>The located columns of one shard.</summary>
    private sealed class Columns
    {
        public required ParquetImageColumn Images { get; init; }
        public required RepeatedLeaf User { get; init; }
        public required RepeatedLeaf Assistant { get; init; }
    }

    private sealed class Layout : ParquetFormat<Columns>
    {
        public override Columns? Locate(ParquetSchema schema, out string missing)
        {
            var images = ParquetImageColumn.List(schema, "images");
            var user = ParquetSchemaShapes.StructListMember(schema, "texts", "user");
            var assistant = ParquetSchemaShapes.StructListMember(schema, "texts", "assistant");
            var problems = new List<string>();
            if (images is null)
            {
                problems.Add("no 'images' column holding a list of {bytes, path} structs");
            }
            if (user is null || assistant is null)
            {
                problems.Add("no 'texts' column holding a list of {user, assistant, source} structs");
            }
            else if (!ParquetSchemaShapes.IsText(user.Leaf) || !ParquetSchemaShapes.IsText(assistant.Leaf))
            {
                problems.Add("'texts' user and assistant must hold strings");
            }
            missing = string.Join("; ", problems);
            return problems.Count == 0 ? new Columns { Images = images!, User = user!, Assistant = assistant! } : null;
        }

        public override async Task<List<ReadResult>> ReadRowGroupAsync(ParquetReader reader, Columns columns, RowGroupPosition position, CancellationToken cancellationToken)
        {
            var rowGroup = reader.OpenRowGroupReader(position.RowGroup);
            var rows = position.RowCount;
            var users = (await ParquetLeafColumn<ReadOnlyMemory<char>>.ReadAsync(rowGroup, columns.User.Leaf, cancellationToken))
                .ToLists(rows, columns.User.ItemLevel, ParquetValues.Text);
            var assistants = (await ParquetLeafColumn<ReadOnlyMemory<char>>.ReadAsync(rowGroup, columns.Assistant.Leaf, cancellationToken))
                .ToLists(rows, columns.Assistant.ItemLevel, ParquetValues.Text);
            var images = await columns.Images.LocateAsync(reader, position, cancellationToken);

            var results = new List<ReadResult>(rows);
            for (var row = 0; row < rows; row++)
            {
                var globalRow = position.FirstRow + row;
                var where = position.Where(row);
                var turns = ToTurns(users[row], assistants[row], out var problem);
                if (turns is null)
                {
                    results.Add(new SkippedRow(globalRow, $"{where}: {problem}."));
                    continue;
                }
                if (images[row].Images is not { } rowImages)
                {
                    results.Add(new SkippedRow(globalRow, $"{where}: {images[row].Problem}."));
                    continue;
                }
                results.Add(new SampleRow(globalRow, new DocVqaSample(where, turns, rowImages)));
            }
            return results;
        }

        private static List<DocVqaTurn>? ToTurns(List<string?> users, List<string?> assistants, out string? problem)
        {
            problem = null;
            if (users.Count == 0)
            {
                problem = "'texts' is empty";
                return null;
            }
            if (users.Count != assistants.Count)
            {
                problem = $"'texts' has {users.Count} user and {assistants.Count} assistant entries";
                return null;
            }
            var turns = new List<DocVqaTurn>(users.Count);
            for (var turn = 0; turn < users.Count; turn++)
            {
                if (string.IsNullOrWhiteSpace(users[turn]))
                {
                    problem = $"texts[{turn}].user is empty";
                    return null;
                }
                if (assistants[turn] is null)
                {
                    problem = $"texts[{turn}].assistant is missing";
                    return null;
                }
                turns.Add(new DocVqaTurn(users[turn]!, [assistants[turn]!]));
            }
            return turns;
        }
    }
}
