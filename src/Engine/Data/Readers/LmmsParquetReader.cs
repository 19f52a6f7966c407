using Parquet;
using Parquet.Schema;

namespace NanoVlm.Engine.Data;

/// <summary>
/// <c>lmms-lab/DocVQA</c> parquet shards (config <c>DocVQA</c>, splits validation and test, the data
/// lmms-eval scores on): one question per row with <c>questionId</c>, <c>question</c>, <c>answers</c>
/// (list of strings; null in test), <c>image</c> ({bytes, path}), <c>docId</c>, <c>question_types</c>,
/// <c>ucsf_document_id</c>, <c>ucsf_document_page_no</c>, <c>data_split</c>. Only <c>question</c> and
/// <c>image</c> are required.
/// </summary>
public sealed class LmmsParquetReader : IDocVqaReader
{
    private readonly ParquetShardWalker<Columns> _walker;

    /// <summary>One shard, or a folder of shards (see <see cref="ParquetShards.Find"/>).</summary>
    public LmmsParquetReader(string path)
    {
        _walker = new ParquetShardWalker<Columns>(path, DocVqaFormat.LmmsParquet, new Layout());
        Path = path;
    }

    public DocVqaFormat Format => DocVqaFormat.LmmsParquet;

    public string Path { get; }

    /// <summary>The shard files, in reading order.</summary>
    public IReadOnlyList<string> Shards => _walker.Shards;

    public IEnumerable<ReadResult> Read(CancellationToken cancellationToken = default) => _walker.Read(cancellationToken);

    /// <summary>The located columns of one shard.</summary>
    private sealed class Columns
    {
        public required DataField Question { get; init; }
        public required ParquetImageColumn Image { get; init; }
        public DataField? QuestionId { get; init; }
        public DataField? DocId { get; init; }
        public RepeatedLeaf? Answers { get; init; }
        public RepeatedLeaf? QuestionTypes { get; init; }
    }

    private sealed class Layout : ParquetFormat<Columns>
    {
        public override Columns? Locate(ParquetSchema schema, out string missing)
        {
            var question = ParquetSchemaShapes.Scalar(schema, "question");
            var image = ParquetImageColumn.Single(schema, "image");
            var answers = ParquetSchemaShapes.ScalarList(schema, "answers");
            missing = (question, image) switch
            {
                (null, null) => "no 'question' string column and no 'image' {bytes, path} struct column",
                (null, _) => "no 'question' string column",
                (_, null) => "no 'image' column holding a {bytes, path} struct",
                _ => "",
            };
            if (question is null || image is null)
            {
                return null;
            }
            if (!ParquetSchemaShapes.IsText(question) || (answers is not null && !ParquetSchemaShapes.IsText(answers.Leaf)))
            {
                missing = "'question' and 'answers' must hold strings";
                return null;
            }
            return new Columns
            {
                Question = question,
                Image = image,
                QuestionId = ParquetSchemaShapes.Scalar(schema, "questionId"),
                DocId = ParquetSchemaShapes.Scalar(schema, "docId"),
                Answers = answers,
                QuestionTypes = ParquetSchemaShapes.ScalarList(schema, "question_types") is { } types && ParquetSchemaShapes.IsText(types.Leaf) ? types : null,
            };
        }

        public override async Task<List<ReadResult>> ReadRowGroupAsync(ParquetReader reader, Columns columns, RowGroupPosition position, CancellationToken cancellationToken)
        {
            var rowGroup = reader.OpenRowGroupReader(position.RowGroup);
            var rows = position.RowCount;
            var questions = (await ParquetLeafColumn<ReadOnlyMemory<char>>.ReadAsync(rowGroup, columns.Question, cancellationToken)).ToScalars(rows, ParquetValues.Text);
            var ids = columns.QuestionId is null ? null : await ParquetValues.ReadIdsAsync(rowGroup, columns.QuestionId, rows, cancellationToken);
            var docIds = columns.DocId is null ? null : await ParquetValues.ReadIdsAsync(rowGroup, columns.DocId, rows, cancellationToken);
            var answers = columns.Answers is null ? null : (await ParquetLeafColumn<ReadOnlyMemory<char>>.ReadAsync(rowGroup, columns.Answers.Leaf, cancellationToken))
                .ToLists(rows, columns.Answers.ItemLevel, ParquetValues.Text);
            var types = columns.QuestionTypes is null ? null : (await ParquetLeafColumn<ReadOnlyMemory<char>>.ReadAsync(rowGroup, columns.QuestionTypes.Leaf, cancellationToken))
                .ToLists(rows, columns.QuestionTypes.ItemLevel, ParquetValues.Text);
            var images = await columns.Image.LocateAsync(reader, position, cancellationToken);

            var results = new List<ReadResult>(rows);
            for (var row = 0; row < rows; row++)
            {
                var globalRow = position.FirstRow + row;
                var where = position.Where(row) + (ids?[row] is { } id ? $" (questionId {id})" : "");
                if (string.IsNullOrWhiteSpace(questions[row]))
                {
                    results.Add(new SkippedRow(globalRow, $"{where}: the question is empty."));
                    continue;
                }
                if (answers is not null && answers[row].Any(answer => answer is null))
                {
                    results.Add(new SkippedRow(globalRow, $"{where}: an answer is null."));
                    continue;
                }
                if (images[row].Images is not { } rowImages)
                {
                    results.Add(new SkippedRow(globalRow, $"{where}: {images[row].Problem}."));
                    continue;
                }
                var sample = new DocVqaSample(
                    ids?[row] ?? position.Where(row),
                    [new DocVqaTurn(questions[row]!, answers?[row].Select(answer => answer!).ToList() ?? [])],
                    rowImages,
                    docIds?[row],
                    types?[row].Where(type => type is not null).Select(type => type!).ToList());
                results.Add(new SampleRow(globalRow, sample));
            }
            return results;
        }
    }
}
