namespace NanoVlm.Engine.Data;

/// <summary>
/// One question about a document page and the answers accepted for it. DocVQA gives several acceptable
/// answers per question (ANLS takes the best); the_cauldron gives one. Test splits give none.
/// </summary>
public sealed record DocVqaTurn(string Question, IReadOnlyList<string> Answers);

/// <summary>
/// A document-QA sample as every reader yields it: one or more images and one or more question turns
/// about them. The images are not loaded: <see cref="ImageSource.ReadBytes"/> fetches them when used.
/// </summary>
/// <param name="Id">The data set's question id where it has one (DocVQA <c>questionId</c>), else a
/// position such as <c>train-00000.parquet#17</c>.</param>
/// <param name="Turns">At least one. Several when the source is multi-turn (the_cauldron).</param>
/// <param name="Images">At least one.</param>
/// <param name="DocId">The document id (DocVQA <c>docId</c>) where the source has one.</param>
/// <param name="QuestionTypes">DocVQA question types (<c>form</c>, <c>table/list</c>, ...), often empty.</param>
public sealed record DocVqaSample(
    string Id,
    IReadOnlyList<DocVqaTurn> Turns,
    IReadOnlyList<ImageSource> Images,
    string? DocId = null,
    IReadOnlyList<string>? QuestionTypes = null)
{
    public IReadOnlyList<string> QuestionTypes { get; init; } = QuestionTypes ?? [];

    /// <summary>The first turn's question: the question of a single-turn sample.</summary>
    public string Question => Turns[0].Question;

    /// <summary>The first turn's accepted answers (empty for a test split).</summary>
    public IReadOnlyList<string> Answers => Turns[0].Answers;

    /// <summary>True when every turn has at least one answer, so the sample can be trained or scored on.</summary>
    public bool IsAnswered => Turns.All(turn => turn.Answers.Count > 0);
}
