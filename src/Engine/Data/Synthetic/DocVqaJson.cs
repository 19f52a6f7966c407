using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Data.Synthetic;

/// <summary>
/// The official DocVQA annotation file (<c>{split}_v1.0.json</c>): a header and a top-level <c>data</c> array with
/// one item per question. Property names and order follow the release.
/// </summary>
public sealed record DocVqaAnnotationFile(
    [property: JsonPropertyName("dataset_name")] string DatasetName,
    [property: JsonPropertyName("dataset_version")] string DatasetVersion,
    [property: JsonPropertyName("dataset_split")] string DatasetSplit,
    [property: JsonPropertyName("data")] IReadOnlyList<DocVqaAnnotation> Data);

/// <summary>One question of a DocVQA annotation file; <see cref="Image"/> is relative to the JSON file's folder.</summary>
public sealed record DocVqaAnnotation(
    [property: JsonPropertyName("questionId")] long QuestionId,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("question_types")] IReadOnlyList<string> QuestionTypes,
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("docId")] long DocId,
    [property: JsonPropertyName("answers")] IReadOnlyList<string> Answers,
    [property: JsonPropertyName("data_split")] string DataSplit);
