using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using NanoVlm.Engine.Training.Events;
using TorchSharp;
using TorchSharp.Modules;

namespace NanoVlm.Engine.Training;

/// <summary>
/// The files of a headless run's output folder: <c>run.json</c> (the resolved configuration),
/// <c>metrics.jsonl</c> (one metrics event per line), <c>events.jsonl</c> (every other event), and TensorBoard
/// scalars under <c>tb/</c>. Written from the training thread, flushed line by line. A pin event rewrites run.json
/// with the run's pinned modules, so that the configuration a run folder holds computes as the run does now.
/// </summary>
public sealed class RunFiles : ITrainingEventSink, IDisposable
{
    public const string ConfigFileName = "run.json";
    public const string MetricsFileName = "metrics.jsonl";
    public const string EventsFileName = "events.jsonl";
    public const string CheckpointsFolder = "checkpoints";
    public const string TensorBoardFolder = "tb";

    public static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions IndentedJson = new(Json) { WriteIndented = true };

    private readonly string _directory;
    private TrainingConfig _config;
    private readonly StreamWriter _metrics;
    private readonly StreamWriter _events;
    private readonly SummaryWriter? _tensorBoard;

    public RunFiles(string directory, TrainingConfig config, bool tensorBoard = true)
    {
        Directory.CreateDirectory(directory);
        _directory = directory;
        _config = config with { Model = config.ResolveModel() };
        WriteConfig();
        _metrics = new StreamWriter(Path.Combine(directory, MetricsFileName), append: true) { AutoFlush = true };
        _events = new StreamWriter(Path.Combine(directory, EventsFileName), append: true) { AutoFlush = true };
        if (tensorBoard)
        {
            try
            {
                _tensorBoard = torch.utils.tensorboard.SummaryWriter(Path.Combine(directory, TensorBoardFolder));
            }
#pragma warning disable CA1031 // TensorBoard is a convenience: a run never fails for it
            catch (Exception e)
#pragma warning restore CA1031
            {
                TensorBoardProblem = e.Message;
            }
        }
    }

    /// <summary>Why TensorBoard files are not written, if they are not.</summary>
    public string? TensorBoardProblem { get; private set; }

    /// <summary>Why the run's log files stopped being written (disk full, folder gone), if they did.</summary>
    public string? WriteProblem { get; private set; }

    public void Publish(TrainingEvent trainingEvent)
    {
        if (WriteProblem is null)
        {
            var line = JsonSerializer.Serialize(trainingEvent, Json);
            try
            {
                (trainingEvent is MetricsEvent ? _metrics : _events).WriteLine(line);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // Stop appending rather than fail on every event: the lines already written stay as they are, and the
                // next checkpoint write on the same disk stops the run with an explanation.
                WriteProblem = e.Message;
            }
        }
        if (trainingEvent is PinEvent pins && WriteProblem is null)
        {
            _config = _config with { PinnedModules = pins.Pinned };
            try
            {
                WriteConfig();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteProblem = e.Message;
            }
        }
        WriteScalars(trainingEvent);
    }

    /// <summary>run.json, replaced as a whole (a crash mid-write leaves the previous one).</summary>
    private void WriteConfig()
    {
        var path = Path.Combine(_directory, ConfigFileName);
        var temporary = path + ".partial";
        File.WriteAllText(temporary, JsonSerializer.Serialize(_config, IndentedJson));
        File.Move(temporary, path, overwrite: true);
    }

    private void WriteScalars(TrainingEvent e)
    {
        if (_tensorBoard is null) return;
        try
        {
            switch (e)
            {
                case MetricsEvent m:
                    _tensorBoard.add_scalar("train/loss", (float)m.Loss, m.Step);
                    _tensorBoard.add_scalar("train/grad_norm", (float)m.GradNorm, m.Step);
                    _tensorBoard.add_scalar("train/tokens_per_second", (float)m.TokensPerSecond, m.Step);
                    if (m.LossScale is { } scale) _tensorBoard.add_scalar("train/loss_scale", (float)scale, m.Step);
                    foreach (var (group, lr) in m.LearningRates) _tensorBoard.add_scalar($"lr/{group}", (float)lr, m.Step);
                    break;
                case EvaluationEvent v:
                    _tensorBoard.add_scalar("val/loss", (float)v.ValLoss, v.Step);
                    if (v.Anls is { } anls) _tensorBoard.add_scalar("val/anls", (float)anls, v.Step);
                    break;
            }
        }
#pragma warning disable CA1031
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TensorBoardProblem ??= ex.Message;
        }
    }

    public void Dispose()
    {
        DisposeQuietly(_metrics);
        DisposeQuietly(_events);
        (_tensorBoard as IDisposable)?.Dispose();
    }

    /// <summary>Closing flushes; on a full disk that fails, and a run's end must still be recorded.</summary>
    private void DisposeQuietly(StreamWriter writer)
    {
        try
        {
            writer.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteProblem ??= e.Message;
        }
    }
}
