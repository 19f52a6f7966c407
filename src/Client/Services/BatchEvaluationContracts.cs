namespace NanoVlm.Client.Services;

/// <summary>What to evaluate: a DocVQA-format data set, a model, and how far.</summary>
public sealed record BatchEvaluationRequest
{
    /// <summary>
    /// A file or folder inside the server's data folder (relative paths start there), or <c>synthetic:easy</c>
    /// (also medium, hard): a generated validation set of <see cref="Limit"/> questions, written under the data folder.
    /// </summary>
    public string Data { get; init; } = "";

    /// <summary>auto, docvqa, lmms-parquet, cauldron-parquet or jsonl.</summary>
    public string Format { get; init; } = "auto";

    /// <summary>A model id from the playground's list ("preset:tiny", "checkpoint:/path"); a bare preset name works too.</summary>
    public string Model { get; init; } = "";

    /// <summary>Answer at most this many questions; null for all (required for a synthetic set).</summary>
    public int? Limit { get; init; }

    /// <summary>Longest answer, in tokens (greedy decoding, as DocVQA evaluation does).</summary>
    public int MaxNewTokens { get; init; } = 32;
}

public enum BatchEvaluationStatus
{
    /// <summary>Generating the synthetic set or counting the questions.</summary>
    Preparing,
    Running,
    Completed,
    Stopped,
    Failed,

    /// <summary>The server stopped while it ran.</summary>
    Interrupted,
}

/// <summary>ANLS over the questions of one DocVQA question type.</summary>
public sealed record QuestionTypeScore(string Type, int Questions, double Anls);

/// <summary>Where an evaluation stands and its scores so far.</summary>
/// <param name="Data">as requested (a path, or synthetic:easy)</param>
/// <param name="DataPath">the file or folder read, once known (where a synthetic set was written)</param>
/// <param name="Total">questions it will answer (the limit, or every answerable question); 0 while preparing</param>
/// <param name="Skipped">questions that could not be scored (unreadable rows, missing or bad images)</param>
/// <param name="SkipReasons">the first few reasons, for the user</param>
public sealed record BatchEvaluationSummary(
    string Id,
    string Data,
    string? DataPath,
    string Format,
    string ModelId,
    int MaxNewTokens,
    BatchEvaluationStatus Status,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    int Done,
    int Total,
    int Skipped,
    double Anls,
    IReadOnlyList<QuestionTypeScore> ByQuestionType,
    IReadOnlyList<string> SkipReasons,
    string? Error)
{
    public bool IsActive => Status is BatchEvaluationStatus.Preparing or BatchEvaluationStatus.Running;

    /// <summary>The model's name when the evaluation started ("tiny · step 400"); null in evaluations stored before names were kept.</summary>
    public string? ModelName { get; init; }
}

/// <summary>One answered question of a batch evaluation.</summary>
/// <param name="Index">0-based position in the evaluation</param>
/// <param name="ThumbnailDataUrl">a small PNG of the page, as a data URL</param>
public sealed record BatchQuestionResult(
    int Index,
    string SampleId,
    string Question,
    string Answer,
    IReadOnlyList<string> ExpectedAnswers,
    IReadOnlyList<string> QuestionTypes,
    double Anls,
    double MsTotal,
    string ThumbnailDataUrl);

/// <summary>A change to an evaluation: its new summary, and the question just answered when there is one.</summary>
public sealed record BatchEvaluationUpdate(BatchEvaluationSummary Summary, BatchQuestionResult? Question);

/// <summary>A data set found under the data folder's <c>datasets</c> folder.</summary>
/// <param name="Path">full path, to put in <see cref="BatchEvaluationRequest.Data"/></param>
/// <param name="Format">the detected format's name</param>
public sealed record DatasetChoice(string Path, string Name, string Format);

/// <summary>Batch evaluation in the playground: DocVQA ANLS of a model on a validation set, question by question.</summary>
public interface IBatchEvaluations
{
    /// <summary>The folder data sets must be in (the server's data folder).</summary>
    string DataRoot { get; }

    /// <summary>Where data sets are looked for and generated: <c>datasets</c> inside <see cref="DataRoot"/>.</summary>
    string DatasetsFolder { get; }

    /// <summary>The accepted <see cref="BatchEvaluationRequest.Format"/> values, "auto" first.</summary>
    IReadOnlyList<string> Formats { get; }

    /// <summary>The data sets in <see cref="DatasetsFolder"/> that a reader recognises.</summary>
    IReadOnlyList<DatasetChoice> Datasets();

    /// <summary>Checks the request and starts the evaluation in the background; throws <see cref="PlaygroundException"/> saying what is wrong.</summary>
    BatchEvaluationSummary Start(BatchEvaluationRequest request);

    /// <summary>Stops an active evaluation (the questions answered so far are kept); false when it is not active.</summary>
    bool Cancel(string id);

    /// <summary>Every evaluation, newest first.</summary>
    IReadOnlyList<BatchEvaluationSummary> List();

    BatchEvaluationSummary? Find(string id);

    /// <summary>The answered questions, in order.</summary>
    IReadOnlyList<BatchQuestionResult> Questions(string id);

    /// <summary>Updates of one evaluation, on the evaluation's thread (components marshal with InvokeAsync). Dispose to stop.</summary>
    IDisposable Subscribe(string id, Action<BatchEvaluationUpdate> handler);
}
