using System.Diagnostics;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Checkpoints;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Guard;
using NanoVlm.Engine.Training.Optimization;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training;

/// <summary>
/// The live state of one run: the model, its optimizer, scaler and schedule, the data stream and the counters.
/// <see cref="Snapshot"/> and <see cref="Restore"/> turn it into a checkpoint's <see cref="TrainerState"/> and back,
/// which is what exact resume and rollback rely on.
/// </summary>
public sealed class TrainingSession : IDisposable
{
    public TrainingSession(TrainingConfig config, VisionLanguageModel model, ITrainingData data, ComputePrecision precision, bool onCuda)
    {
        Config = config;
        Model = model;
        Data = data;
        OnCuda = onCuda;
        Groups = ParameterGroups.Build(model, config);
        Optimizer = AdamW.From(Groups, config);
        Schedule = LearningRateSchedule.From(config);
        Scaler = new DynamicLossScaler(config.LossScale);
        SpikeDetector = new LossSpikeDetector(config.SpikeFactor, config.SpikeWindow);
        MicroBatch = config.BatchSize;
        GradAccum = config.GradAccum;
        PinnableModules = new PinnableModules(model);
        Pins = new ModulePins(config.PinnedModules);
        Recorder = new FlightRecorder(config.FlightRecorderSteps);
        SetPrecision(precision, "configured");
    }

    public TrainingConfig Config { get; }
    public VisionLanguageModel Model { get; }
    public ITrainingData Data { get; }
    public bool OnCuda { get; }
    public IReadOnlyList<ParameterGroup> Groups { get; }
    public AdamW Optimizer { get; }
    public LearningRateSchedule Schedule { get; }
    public DynamicLossScaler Scaler { get; }
    public LossSpikeDetector SpikeDetector { get; }

    public ComputePrecision Precision { get; private set; }

    /// <summary>Modules computed in float32 inside the run's precision (the <c>pin</c> policy's), kept across rollbacks and in checkpoints.</summary>
    public ModulePins Pins { get; set; }

    /// <summary>The modules of the model that can be pinned, with their parameter counts.</summary>
    public PinnableModules PinnableModules { get; }

    /// <summary>The last steps, for the NaN alert.</summary>
    public FlightRecorder Recorder { get; }
    public int MicroBatch { get; private set; }
    public int GradAccum { get; private set; }

    /// <summary>Optimizer steps attempted so far (dropped updates included): the next step's index.</summary>
    public int Step { get; set; }

    public long TokensSeen { get; set; }
    public long ImagesSeen { get; set; }

    /// <summary>Updates dropped so far.</summary>
    public int Skipped { get; set; }

    public double? LastValLoss { get; set; }
    public double? LastAnls { get; set; }
    public BestCheckpoint? Best { get; set; }

    public List<PrecisionChange> PrecisionHistory { get; } = [];

    /// <summary>Runs while the trainer trains; together with <see cref="ElapsedBefore"/>, the run's training time.</summary>
    public Stopwatch Clock { get; } = new();

    /// <summary>Seconds trained before this process took the run over (a resume's checkpoint's).</summary>
    public double ElapsedBefore { get; private set; }

    /// <summary>Seconds spent training, continuing across resumes.</summary>
    public double ElapsedSeconds => ElapsedBefore + Clock.Elapsed.TotalSeconds;

    /// <summary>The learning rate of each group at the current step.</summary>
    public IReadOnlyDictionary<string, double> LearningRates() =>
        Groups.ToDictionary(g => g.Name, g => Schedule.At(Step, g.PeakLearningRate), StringComparer.Ordinal);

    /// <summary>Switches precision (resetting the loss scaler for it) and records why.</summary>
    public void SetPrecision(ComputePrecision precision, string reason, int? microBatch = null, int? gradAccum = null)
    {
        Precision = precision;
        MicroBatch = microBatch ?? MicroBatch;
        GradAccum = gradAccum ?? GradAccum;
        Scaler.Configure(precision.IsFp16());
        PrecisionHistory.Add(new PrecisionChange(Step, precision, MicroBatch, GradAccum, reason));
    }

    public TrainerState Snapshot() => new()
    {
        Step = Step,
        TokensSeen = TokensSeen,
        ImagesSeen = ImagesSeen,
        Skipped = Skipped,
        DataPosition = Data.Position,
        Precision = Precision,
        MicroBatch = MicroBatch,
        GradAccum = GradAccum,
        PrecisionHistory = PrecisionHistory.ToArray(),
        PinnedModules = Pins.Modules,
        LossScaler = Scaler.Export(),
        OptimizerSteps = Optimizer.StepCount,
        Schedule = new ScheduleState(Config.MaxSteps, Schedule.WarmupSteps, Config.MinLrFraction),
        TorchRngState = Convert.ToBase64String(RngState()),
        LossWindow = SpikeDetector.Window,
        ElapsedSeconds = ElapsedSeconds,
        ValLoss = LastValLoss,
        Anls = LastAnls,
        Best = Best,
        Config = Config,
    };

    /// <summary>
    /// Puts the run back to a checkpoint: weights, optimizer moments, scaler, schedule position, RNG, data position,
    /// counters and precision. The precision history and the pins are kept when <paramref name="keepHistory"/>
    /// (rollback: a pin made after the checkpoint is the lesson of the failure), replaced otherwise (resume: the
    /// checkpoint's pins together with the configuration's).
    /// </summary>
    public void Restore(string checkpointPath, bool keepHistory)
    {
        var (state, optimizerState) = CheckpointStore.Load(checkpointPath);
        try
        {
            CheckpointStore.LoadWeights(Model, checkpointPath);
            Optimizer.ImportState(optimizerState, state.OptimizerSteps);
        }
        finally
        {
            foreach (var tensor in optimizerState.Values) tensor.Dispose();
        }
        if (state.Schedule.MaxSteps != Config.MaxSteps || state.Schedule.WarmupSteps != Schedule.WarmupSteps)
            throw new InvalidOperationException(
                $"{checkpointPath} was trained with a {state.Schedule.MaxSteps}-step schedule ({state.Schedule.WarmupSteps} warmup); this run has {Config.MaxSteps} ({Schedule.WarmupSteps}).");
        Step = state.Step;
        TokensSeen = state.TokensSeen;
        ImagesSeen = state.ImagesSeen;
        Skipped = state.Skipped;
        Data.Seek(state.DataPosition);
        Precision = state.Precision;
        MicroBatch = state.MicroBatch;
        GradAccum = state.GradAccum;
        Scaler.Import(state.LossScaler);
        SpikeDetector.Restore(state.LossWindow);
        LastValLoss = state.ValLoss;
        LastAnls = state.Anls;
        Best = state.Best ?? Best;
        if (!keepHistory)
        {
            // A resume continues the run's history and its training time; a rollback keeps both running.
            PrecisionHistory.Clear();
            PrecisionHistory.AddRange(state.PrecisionHistory);
            Pins = new ModulePins(Config.PinnedModules).With(state.PinnedModules ?? []);
            ElapsedBefore = (state.ElapsedSeconds ?? 0) - Clock.Elapsed.TotalSeconds;
        }
        using var rng = tensor(Convert.FromBase64String(state.TorchRngState), dtype: ScalarType.Byte);
        set_rng_state(rng);
    }

    private static byte[] RngState()
    {
        using var state = get_rng_state();
        return state.data<byte>().ToArray();
    }

    public void Dispose()
    {
        Optimizer.Dispose();
    }
}
