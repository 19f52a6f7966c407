using System.Text.Json;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Evaluation;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Messaging;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Playground;

/// <summary>
/// Batch evaluation in the playground: greedy answers to the questions of a DocVQA-format data set, scored with the
/// engine's <see cref="Anls"/> (overall and per question type, as the <c>eval</c> verb reports), persisted question
/// by question in LiteDB and published as they come.
/// <para>
/// Sharing the inference thread: each question is a separate item on the <see cref="InferenceWorker"/>'s queue, and
/// the next one is queued only when the previous answer is back. A playground question asked meanwhile therefore
/// waits for at most one evaluation question, never for the whole evaluation. Reading the data set, decoding
/// images and scoring happen off the inference thread.
/// </para>
/// </summary>
public sealed partial class BatchEvaluationService : IBatchEvaluations, IDisposable
{
    private const int MaxSkipReasons = 20;
    private const int MaxSyntheticQuestions = 10_000;
    private const int ThumbnailSide = 96;

    private readonly InferenceWorker _worker;
    private readonly ModelCatalog _catalog;
    private readonly PlaygroundService _playground;
    private readonly EvaluationDatasets _datasets;
    private readonly DashboardDatabase _database;
    private readonly ILogger<BatchEvaluationService> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (CancellationTokenSource Cancellation, Task Task)> _active = new(StringComparer.Ordinal);
    private readonly Broadcaster<BatchEvaluationUpdate> _updates;
    private volatile bool _shuttingDown;

    public BatchEvaluationService(InferenceWorker worker, ModelCatalog catalog, PlaygroundService playground, EvaluationDatasets datasets,
        DashboardDatabase database, ILogger<BatchEvaluationService> logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        _worker = worker;
        _catalog = catalog;
        _playground = playground;
        _datasets = datasets;
        _database = database;
        _logger = logger;
        // A failing page must not end the evaluation for everyone else.
        _updates = new Broadcaster<BatchEvaluationUpdate>((exception, update) => LogSubscriberFailed(logger, exception, update.Summary.Id));
        MarkInterrupted();
    }

    public string DataRoot => _datasets.Root;

    public string DatasetsFolder => _datasets.Folder;

    public IReadOnlyList<string> Formats => DocVqaFormatNames.All;

    public IReadOnlyList<DatasetChoice> Datasets() => _datasets.List();

    public BatchEvaluationSummary Start(BatchEvaluationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var modelId = ModelIdOf(request.Model);
        if (request.MaxNewTokens is < 1 or > 2048)
        {
            throw new PlaygroundException($"Max new tokens is {request.MaxNewTokens}; use 1 to 2048 (32 is plenty for DocVQA answers).");
        }
        if (request.Limit is < 1)
        {
            throw new PlaygroundException($"The question limit is {request.Limit}; use a positive number, or none to answer every question.");
        }
        DocVqaFormat? format;
        try
        {
            format = DocVqaFormatNames.Parse(string.IsNullOrWhiteSpace(request.Format) ? DocVqaFormatNames.Auto : request.Format.Trim());
        }
        catch (ArgumentException e)
        {
            throw new PlaygroundException(e.Message);
        }

        var difficulty = EvaluationDatasets.SyntheticDifficultyOf(request.Data);
        string? dataPath = null;
        IDocVqaReader? reader = null;
        if (difficulty is null)
        {
            dataPath = _datasets.Resolve(request.Data);
            reader = OpenChecked(dataPath, format, _datasets.ImageCheck);
        }
        else if (request.Limit is not { } questions || questions > MaxSyntheticQuestions)
        {
            throw new PlaygroundException($"Say how many questions the synthetic set should have: a limit of 1 to {MaxSyntheticQuestions}.");
        }

        var document = new BatchEvaluationDocument
        {
            Id = Guid.NewGuid().ToString("N"),
            Data = request.Data.Trim(),
            DataPath = reader?.Path ?? dataPath,
            Format = reader?.Format.ToName() ?? DocVqaFormat.DocVqaJson.ToName(),
            ModelId = modelId,
            ModelName = _catalog.Find(modelId)?.Name,
            MaxNewTokens = request.MaxNewTokens,
            Limit = request.Limit,
            Status = BatchEvaluationStatus.Preparing,
            Started = DateTime.UtcNow,
        };
        _database.BatchEvaluations.Insert(document);
        // Taken before the evaluation starts: from then on only its own task touches the document.
        var summary = document.ToSummary();
        var cancellation = new CancellationTokenSource();
        lock (_gate)
        {
            // The task is registered under the lock before it can finish and remove itself.
            _active[document.Id] = (cancellation, Task.Run(() => RunAsync(document, reader, difficulty, cancellation.Token)));
        }
        return summary;
    }

    public bool Cancel(string id)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(id, out var active))
            {
                return false;
            }
            active.Cancellation.Cancel();
            return true;
        }
    }

    public IReadOnlyList<BatchEvaluationSummary> List() =>
        [.. _database.BatchEvaluations.FindAll().OrderByDescending(d => d.Started).Select(d => d.ToSummary())];

    public BatchEvaluationSummary? Find(string id) => _database.BatchEvaluations.FindById(id)?.ToSummary();

    public IReadOnlyList<BatchQuestionResult> Questions(string id) =>
        [.. _database.BatchQuestions.Find(q => q.EvaluationId == id).OrderBy(q => q.Index).Select(q => q.ToResult())];

    public IDisposable Subscribe(string id, Action<BatchEvaluationUpdate> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return _updates.Subscribe(update =>
        {
            if (update.Summary.Id == id) handler(update);
        });
    }

    private async Task RunAsync(BatchEvaluationDocument document, IDocVqaReader? reader, SyntheticDifficulty? difficulty, CancellationToken cancellationToken)
    {
        try
        {
            if (difficulty is { } synthetic)
            {
                var path = _datasets.EnsureSynthetic(synthetic, document.Limit!.Value, cancellationToken);
                reader = DocVqaReaders.Open(path, DocVqaFormat.DocVqaJson);
                document.DataPath = reader.Path;
            }
            var available = DocVqaEvaluationItems.CountQuestions(reader!, cancellationToken);
            document.Total = TotalOf(document.Limit, available);
            document.Status = BatchEvaluationStatus.Running;
            Save(document, null);
            await AnswerAllAsync(document, reader!, available, cancellationToken);
            document.Status = BatchEvaluationStatus.Completed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            document.Status = _shuttingDown ? BatchEvaluationStatus.Interrupted : BatchEvaluationStatus.Stopped;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the data set or the model throws ends this evaluation only, with the reason shown to the user.
            LogFailed(_logger, e, document.Id);
            document.Status = BatchEvaluationStatus.Failed;
            document.Error = e.Message;
        }
        finally
        {
            document.Finished = DateTime.UtcNow;
            Save(document, null);
            lock (_gate)
            {
                if (_active.Remove(document.Id, out var active))
                {
                    active.Cancellation.Dispose();
                }
            }
        }
    }

    /// <summary>Questions that will be answered: the limit, or fewer when the data set has fewer answerable ones.</summary>
    private static int TotalOf(int? limit, int answerable) => limit is { } max ? Math.Min(max, answerable) : answerable;

    /// <param name="answerable">the questions counted up front; images that turn out undecodable lower it</param>
    private async Task AnswerAllAsync(BatchEvaluationDocument document, IDocVqaReader reader, int answerable, CancellationToken cancellationToken)
    {
        var options = DocVqaEvaluator.AnswerOptions(document.MaxNewTokens);
        var decoder = _playground.Decoder;
        var modelId = document.ModelId;
        // One question per queue item: single playground questions interleave with the evaluation.
        var result = await DocVqaEvaluator.RunAsync(DocVqaEvaluationItems.Read(reader, decoder, cancellationToken),
            (question, cancellation) => new ValueTask<AskResult>(_worker.RunAsync(cache => new VqaAnswerer(cache.Get(modelId), decoder)
                .Ask(question.Image, question.Question, options, cancellationToken: cancellation), cancellation)),
            document.Limit, new Recorder(this, document, answerable), cancellationToken);
        if (result.Stopped)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Stores and publishes each answered question and each skipped row as the evaluator reports them.</summary>
    private sealed class Recorder(BatchEvaluationService service, BatchEvaluationDocument document, int answerable) : IEvaluationObserver
    {
        private (long Row, string DataUrl) _thumbnail = (-1, "");

        public void Skipped(EvaluationSkip skip)
        {
            // A row the reader could not use counts as one question (it is one in DocVQA JSON, JSONL and lmms parquet).
            document.Skipped += Math.Max(1, skip.Questions);
            if (skip.Kind == EvaluationSkipKind.ImageFailed)
            {
                answerable -= skip.Questions;
                document.Total = TotalOf(document.Limit, answerable);
            }
            if (document.SkipReasons.Count < MaxSkipReasons)
            {
                document.SkipReasons.Add($"row {skip.Row}: {skip.Reason}");
            }
            service.Save(document, null);
        }

        public void Answered(EvaluationQuestion question, AskResult answer, double score, AnlsReport report)
        {
            if (_thumbnail.Row != question.Row)
            {
                _thumbnail = (question.Row, PreviewImages.DataUrl(question.Image, ThumbnailSide));
            }
            var result = new BatchQuestionDocument
            {
                Id = $"{document.Id}/{document.Done}",
                EvaluationId = document.Id,
                Index = document.Done,
                SampleId = question.SampleId,
                Question = question.Question,
                Answer = answer.Answer,
                ExpectedAnswers = [.. question.Answers],
                QuestionTypes = [.. question.QuestionTypes],
                Anls = score,
                MsTotal = answer.MsTotal,
                ThumbnailDataUrl = _thumbnail.DataUrl,
            };
            service._database.BatchQuestions.Insert(result);
            document.Done++;
            document.Anls = report.Overall;
            document.ByQuestionType = [.. report.ByQuestionType().Select(g => new QuestionTypeScoreDocument { Type = g.Name, Questions = g.Questions, Anls = g.Anls })];
            service.Save(document, result);
        }
    }

    private void Save(BatchEvaluationDocument document, BatchQuestionDocument? question)
    {
        _database.BatchEvaluations.Update(document);
        if (_updates.HasSubscribers)
        {
            _updates.Publish(new BatchEvaluationUpdate(document.ToSummary(), question?.ToResult()));
        }
    }

    private string ModelIdOf(string model)
    {
        var requested = model?.Trim() ?? "";
        if (_catalog.Contains(requested))
        {
            return requested;
        }
        if (_catalog.Contains(ModelCatalog.PresetPrefix + requested))
        {
            return ModelCatalog.PresetPrefix + requested;
        }
        throw new PlaygroundException(string.IsNullOrEmpty(requested)
            ? $"Choose a model: one of {string.Join(", ", _catalog.List().Select(m => m.Id))}."
            : $"Unknown model '{requested}'. Known: {string.Join(", ", _catalog.List().Select(m => m.Id))}.");
    }

    /// <summary>Opens the data set and reads its first row, so that an unreadable source is refused at once rather than failing later.</summary>
    private static IDocVqaReader OpenChecked(string path, DocVqaFormat? format, ImagePathCheck imageCheck)
    {
        try
        {
            var reader = DocVqaReaders.Open(path, format, imageCheck);
            using var rows = reader.Read().GetEnumerator();
            if (!rows.MoveNext())
            {
                throw new PlaygroundException($"'{path}' holds no questions.");
            }
            return reader;
        }
        catch (Exception e) when (e is DatasetFormatException or IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            throw new PlaygroundException($"'{path}' cannot be read as a DocVQA data set: {e.Message}");
        }
    }

    /// <summary>Evaluations that were active when the server last stopped can never finish: say so.</summary>
    private void MarkInterrupted()
    {
        foreach (var orphan in _database.BatchEvaluations.FindAll().Where(d => d.Status is BatchEvaluationStatus.Preparing or BatchEvaluationStatus.Running).ToList())
        {
            orphan.Status = BatchEvaluationStatus.Interrupted;
            orphan.Finished ??= DateTime.UtcNow;
            _database.BatchEvaluations.Update(orphan);
        }
    }

    public void Dispose()
    {
        _shuttingDown = true;
        Task[] running;
        lock (_gate)
        {
            foreach (var active in _active.Values)
            {
                active.Cancellation.Cancel();
            }
            running = [.. _active.Values.Select(a => a.Task)];
        }
        // Let them record themselves as interrupted while the database and the inference thread still exist.
        Task.WaitAll(running, TimeSpan.FromSeconds(10));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch evaluation {EvaluationId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string evaluationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A subscriber of batch evaluation {EvaluationId} failed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception, string evaluationId);
}
