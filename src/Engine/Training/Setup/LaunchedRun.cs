using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Sources;

namespace NanoVlm.Engine.Training.Setup;

/// <summary>
/// A run started in its folder: the training run, its folder's files and its data, disposed together (disposing
/// cancels the run and waits for its thread).
/// </summary>
public sealed class LaunchedRun : IDisposable
{
    private readonly RunFiles _files;
    private readonly ITrainingData? _ownedData;

    private LaunchedRun(TrainingRun run, RunFiles files, ITrainingData? ownedData, string dataDescription)
    {
        Run = run;
        _files = files;
        _ownedData = ownedData;
        DataDescription = dataDescription;
    }

    public TrainingRun Run { get; }

    /// <summary>What the run trains on ("synthetic documents (easy)", "lmms-lab parquet at ...").</summary>
    public string DataDescription { get; }

    /// <summary>Why TensorBoard files are not written, if they are not.</summary>
    public string? TensorBoardProblem => _files.TensorBoardProblem;

    internal static LaunchedRun Start(RunSetup setup, string folder, LaunchOptions options)
    {
        // The data is prepared before anything is written, so a source that cannot be read leaves no run folder behind.
        var prepared = options.Data is null ? TrainingDataFactory.Create(setup.Config, setup.TokenizerPath, options.ImageCheck) : null;
        var files = new RunFiles(folder, setup.Config, options.TensorBoard);
        // The run keeps its model's tokenizer, so its checkpoints are usable wherever the weights came from.
        setup.Start.Init?.Tokenizer.WriteBeside(folder);
        try
        {
            var trainerOptions = setup.TrainerOptions(folder, options, prepared?.Evaluator);
            var data = prepared is null ? options.Data! : () => prepared.Data;
            ITrainingEventSink sinks = options.AlsoTo is { } also ? new BothSinks(files, also) : files;
            var run = TrainingRun.Start(setup.Config, data, trainerOptions, sinks, setup.StartStep);
            return new LaunchedRun(run, files, prepared?.Data, prepared?.Description ?? "the data given by the caller");
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Run.Dispose();
        _files.Dispose();
        (_ownedData as IDisposable)?.Dispose();
    }

    /// <summary>The run folder's files first (what a crash must not lose), then the caller's sink.</summary>
    private sealed class BothSinks(ITrainingEventSink first, ITrainingEventSink second) : ITrainingEventSink
    {
        public void Publish(TrainingEvent trainingEvent)
        {
            first.Publish(trainingEvent);
            second.Publish(trainingEvent);
        }
    }
}
