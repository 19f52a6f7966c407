using LiteDB;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Storage;

/// <summary>
/// The one LiteDB file of this process (data folder/nanovlm.db). Opened after the data folder's lock is held,
/// so a second server on the same folder fails on the lock instead of corrupting the file.
/// </summary>
public sealed class DashboardDatabase : IDisposable
{
    public const string FileName = "nanovlm.db";

    private readonly LiteDatabase _database;

    public DashboardDatabase(DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        dataDirectory.Acquire();
        Path = System.IO.Path.Combine(dataDirectory.Root, FileName);
        // LiteDB's default mapper stores "" as null and trims strings; an empty model answer or a question with
        // spaces must come back exactly as written.
        var mapper = new BsonMapper { EmptyStringToNull = false, TrimWhitespace = false };
        _database = new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Direct }, mapper);
        Runs = _database.GetCollection<RunDocument>("runs");
        Metrics = _database.GetCollection<MetricDocument>("metrics");
        Evaluations = _database.GetCollection<EvaluationDocument>("evaluations");
        Events = _database.GetCollection<EventDocument>("events");
        Headroom = _database.GetCollection<HeadroomDocument>("headroom");
        Playground = _database.GetCollection<PlaygroundDocument>("playground");
        Models = _database.GetCollection<RegisteredModelDocument>("models");
        BatchEvaluations = _database.GetCollection<BatchEvaluationDocument>("batch_evaluations");
        BatchQuestions = _database.GetCollection<BatchQuestionDocument>("batch_evaluation_questions");
        Metrics.EnsureIndex(m => m.RunId);
        Metrics.EnsureIndex(m => m.Step);
        Evaluations.EnsureIndex(e => e.RunId);
        Events.EnsureIndex(e => e.RunId);
        BatchQuestions.EnsureIndex(q => q.EvaluationId);
        Headroom.EnsureIndex(h => h.RunId);
    }

    public string Path { get; }

    public ILiteCollection<RunDocument> Runs { get; }

    public ILiteCollection<MetricDocument> Metrics { get; }

    public ILiteCollection<EvaluationDocument> Evaluations { get; }

    public ILiteCollection<EventDocument> Events { get; }

    public ILiteCollection<HeadroomDocument> Headroom { get; }

    public ILiteCollection<PlaygroundDocument> Playground { get; }

    public ILiteCollection<RegisteredModelDocument> Models { get; }

    /// <summary>The playground's batch evaluations (DocVQA ANLS of a model on a data set).</summary>
    public ILiteCollection<BatchEvaluationDocument> BatchEvaluations { get; }

    /// <summary>Their answered questions, by evaluation id.</summary>
    public ILiteCollection<BatchQuestionDocument> BatchQuestions { get; }

    public void Dispose() => _database.Dispose();
}
