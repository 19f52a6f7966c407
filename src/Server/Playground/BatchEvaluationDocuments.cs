using NanoVlm.Client.Services;

namespace NanoVlm.Server.Playground;

/// <summary>A batch evaluation as stored in LiteDB: its request, where it stands and its scores.</summary>
public sealed class BatchEvaluationDocument
{
    public string Id { get; set; } = "";
    public string Data { get; set; } = "";
    public string? DataPath { get; set; }
    public string Format { get; set; } = "";
    public string ModelId { get; set; } = "";

    /// <summary>The model's name when the evaluation started; null in evaluations stored before it was kept.</summary>
    public string? ModelName { get; set; }

    public int MaxNewTokens { get; set; }
    public int? Limit { get; set; }
    public BatchEvaluationStatus Status { get; set; }
    public DateTime Started { get; set; }
    public DateTime? Finished { get; set; }
    public int Done { get; set; }
    public int Total { get; set; }
    public int Skipped { get; set; }
    public double Anls { get; set; }
    public List<QuestionTypeScoreDocument> ByQuestionType { get; set; } = [];
    public List<string> SkipReasons { get; set; } = [];
    public string? Error { get; set; }

    public BatchEvaluationSummary ToSummary() => new(Id, Data, DataPath, Format, ModelId, MaxNewTokens, Status, Utc(Started), Finished is { } finished ? Utc(finished) : null,
        Done, Total, Skipped, Anls, [.. ByQuestionType.Select(t => new QuestionTypeScore(t.Type, t.Questions, t.Anls))], [.. SkipReasons], Error)
    {
        ModelName = ModelName,
    };

    private static DateTimeOffset Utc(DateTime time) => new(time.ToUniversalTime(), TimeSpan.Zero);
}

public sealed class QuestionTypeScoreDocument
{
    public string Type { get; set; } = "";
    public int Questions { get; set; }
    public double Anls { get; set; }
}

/// <summary>
/// One answered question of a batch evaluation. Kept apart from <see cref="BatchEvaluationDocument"/> because a
/// LiteDB document is limited to 16 MB and a full DocVQA validation set has thousands of questions.
/// </summary>
public sealed class BatchQuestionDocument
{
    /// <summary>"{evaluation id}/{index}".</summary>
    public string Id { get; set; } = "";
    public string EvaluationId { get; set; } = "";
    public int Index { get; set; }
    public string SampleId { get; set; } = "";
    public string Question { get; set; } = "";
    public string Answer { get; set; } = "";
    public List<string> ExpectedAnswers { get; set; } = [];
    public List<string> QuestionTypes { get; set; } = [];
    public double Anls { get; set; }
    public double MsTotal { get; set; }
    public string ThumbnailDataUrl { get; set; } = "";

    // Files written before the database kept empty strings (LiteDB's default mapper stored them as null) read back null.
    public BatchQuestionResult ToResult() =>
        new(Index, SampleId ?? "", Question ?? "", Answer ?? "", [.. ExpectedAnswers ?? []], [.. QuestionTypes ?? []], Anls, MsTotal, ThumbnailDataUrl ?? "");
}
