using System.Text.Json.Serialization;
using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Training;

/// <summary>
/// Everything a training run needs, resolved (no "default" left to guess): the file <c>run.json</c> holds exactly
/// this. Defaults follow nanoVLM's <c>train.py</c> (spec §4) where they make sense on a small machine.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>The model preset the run started from (informational once <see cref="Model"/> is set).</summary>
    [JsonPropertyName("model_preset")] public string ModelPreset { get; init; } = ModelPresets.TinyName;

    /// <summary>The checkpoint folder whose weights the run started from; null for a run from scratch.</summary>
    [JsonPropertyName("init")] public string? Init { get; init; }

    /// <summary>The model's configuration; null means "the preset's".</summary>
    [JsonPropertyName("model")] public VlmConfig? Model { get; init; }

    /// <summary>
    /// Standard deviation of the normal init of the decoder's linear layers and embedding (nanoVLM: 0.02). Larger
    /// values give larger activations (the <c>fp16-overflow</c> preset uses that).
    /// </summary>
    [JsonPropertyName("lm_init_std")] public double LmInitStd { get; init; } = 0.02;

    /// <summary>Where the training data comes from ("synthetic:easy" or a path); interpreted by the caller's data factory.</summary>
    [JsonPropertyName("data")] public string Data { get; init; } = "synthetic:easy";

    /// <summary>The device setting that picks CUDA when libtorch sees a GPU, else the CPU.</summary>
    public const string AutoDevice = "auto";

    /// <summary>"auto" (CUDA when libtorch sees a GPU, else the CPU), "cpu", "cuda" or "cuda:N".</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = AutoDevice;
    [JsonPropertyName("precision")] public PrecisionMode Precision { get; init; } = PrecisionMode.Auto;

    /// <summary>Optimizer steps (each of <see cref="GradAccum"/> micro-batches).</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = 1000;

    /// <summary>Micro-batch size.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 8;
    [JsonPropertyName("grad_accum")] public int GradAccum { get; init; } = 1;
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 128;

    /// <summary>Peak learning rates per parameter group; 0 freezes the group (as the reference does).</summary>
    [JsonPropertyName("lr_mp")] public double LrMp { get; init; } = 5.12e-3;
    [JsonPropertyName("lr_vision")] public double LrVision { get; init; } = 5e-5;
    [JsonPropertyName("lr_language")] public double LrLanguage { get; init; } = 5e-5;

    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.01;
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;
    [JsonPropertyName("adam_eps")] public double AdamEps { get; init; } = 1e-8;

    /// <summary>Linear warmup over this fraction of <see cref="MaxSteps"/> (reference: 0.03).</summary>
    [JsonPropertyName("warmup_fraction")] public double WarmupFraction { get; init; } = 0.03;

    /// <summary>The cosine decays to this fraction of the peak (reference: 0.1).</summary>
    [JsonPropertyName("min_lr_fraction")] public double MinLrFraction { get; init; } = 0.1;

    /// <summary>Gradient clipping threshold on the total L2 norm; 0 disables clipping.</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;

    [JsonPropertyName("seed")] public int Seed { get; init; }

    /// <summary>Intra-op threads (<c>torch.set_num_threads</c>); 0 = all logical cores.</summary>
    [JsonPropertyName("threads")] public int Threads { get; init; }

    /// <summary>Validation every N optimizer steps (and at step 0); 0 disables it.</summary>
    [JsonPropertyName("eval_interval")] public int EvalInterval { get; init; } = 100;

    /// <summary>Validation batches per evaluation (the same leading ones every time).</summary>
    [JsonPropertyName("val_batches")] public int ValBatches { get; init; } = 8;

    /// <summary>A checkpoint every N optimizer steps (plus step 0 and the end); 0 = only step 0 and the end.</summary>
    [JsonPropertyName("checkpoint_interval")] public int CheckpointInterval { get; init; } = 100;

    /// <summary>How many of the most recent checkpoints are kept (the best one is kept as well).</summary>
    [JsonPropertyName("keep_last_checkpoints")] public int KeepLastCheckpoints { get; init; } = 3;

    [JsonPropertyName("nan_policy")] public NanPolicy NanPolicy { get; init; } = NanPolicy.Recover;

    /// <summary>Under <see cref="NanPolicy.Recover"/>: the same failure this many times stops the run.</summary>
    [JsonPropertyName("max_repeated_failures")] public int MaxRepeatedFailures { get; init; } = 3;

    /// <summary>
    /// Modules computed in float32 while the rest of the model runs in fp16 or bf16 (names as the NaN diagnosis gives
    /// them, e.g. <c>decoder.blocks.0.mlp.down_proj</c>; a module pins everything inside it). The <c>pin</c> policy adds
    /// to them; a run folder's run.json is rewritten with them, so a run started from it computes the same way.
    /// </summary>
    [JsonPropertyName("pinned_modules")] public IReadOnlyList<string> PinnedModules { get; init; } = [];

    /// <summary>Under <see cref="NanPolicy.Pin"/>: at most this many modules are pinned; one more switches precision instead.</summary>
    [JsonPropertyName("pin_max_modules")] public int PinMaxModules { get; init; } = 3;

    /// <summary>Under <see cref="NanPolicy.Pin"/>: pinned modules may hold at most this fraction of the parameters.</summary>
    [JsonPropertyName("pin_max_parameter_fraction")] public double PinMaxParameterFraction { get; init; } = 0.1;

    /// <summary>The flight recorder keeps this many recent steps for the NaN alert (0 turns it off).</summary>
    [JsonPropertyName("flight_recorder_steps")] public int FlightRecorderSteps { get; init; } = 16;

    /// <summary>Activation headroom measured every N steps; 0 disables it.</summary>
    [JsonPropertyName("headroom_interval")] public int HeadroomInterval { get; init; } = 50;

    /// <summary>Warn when a module's fp16 headroom (65504 / max|a|) falls below this factor.</summary>
    [JsonPropertyName("headroom_warn_factor")] public double HeadroomWarnFactor { get; init; } = 8;

    /// <summary>A loss above this multiple of the recent median raises a spike warning.</summary>
    [JsonPropertyName("spike_factor")] public double SpikeFactor { get; init; } = 3;

    /// <summary>How many recent losses the spike median is taken over.</summary>
    [JsonPropertyName("spike_window")] public int SpikeWindow { get; init; } = 20;

    [JsonPropertyName("loss_scale")] public LossScaleConfig LossScale { get; init; } = new();

    /// <summary>The model configuration this run trains.</summary>
    public VlmConfig ResolveModel() => Model ?? ModelPresets.Get(ModelPreset);

    /// <summary>Every problem with the values; empty when the config is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok) problems.Add(message);
        }

        Require(MaxSteps > 0, $"max_steps must be positive (got {MaxSteps}).");
        Require(BatchSize > 0, $"batch_size must be positive (got {BatchSize}).");
        Require(GradAccum > 0, $"grad_accum must be positive (got {GradAccum}).");
        Require(MaxLength > 0, $"max_length must be positive (got {MaxLength}).");
        Require(LrMp >= 0 && LrVision >= 0 && LrLanguage >= 0, "learning rates must be 0 (frozen) or positive.");
        Require(LrMp + LrVision + LrLanguage > 0, "at least one learning rate must be positive, or nothing trains.");
        Require(LmInitStd > 0, $"lm_init_std must be positive (got {LmInitStd}).");
        Require(WeightDecay >= 0, $"weight_decay must not be negative (got {WeightDecay}).");
        Require(AdamBeta1 is >= 0 and < 1 && AdamBeta2 is >= 0 and < 1, "adam betas must lie in [0, 1).");
        Require(AdamEps > 0, "adam_eps must be positive.");
        Require(WarmupFraction is >= 0 and <= 1, $"warmup_fraction must lie in [0, 1] (got {WarmupFraction}).");
        Require(MinLrFraction is >= 0 and <= 1, $"min_lr_fraction must lie in [0, 1] (got {MinLrFraction}).");
        Require(MaxGradNorm >= 0, $"max_grad_norm must be 0 (off) or positive (got {MaxGradNorm}).");
        Require(Threads >= 0, $"threads must be 0 (all cores) or positive (got {Threads}).");
        Require(EvalInterval >= 0 && ValBatches >= 0, "eval_interval and val_batches must not be negative.");
        Require(CheckpointInterval >= 0, "checkpoint_interval must not be negative.");
        Require(KeepLastCheckpoints >= 1, "keep_last_checkpoints must be at least 1 (recovery rolls back to it).");
        Require(MaxRepeatedFailures >= 1, "max_repeated_failures must be at least 1.");
        Require(PinMaxModules >= 1, $"pin_max_modules must be at least 1 (got {PinMaxModules}).");
        Require(PinMaxParameterFraction is > 0 and <= 1, $"pin_max_parameter_fraction must lie in (0, 1] (got {PinMaxParameterFraction}).");
        Require(FlightRecorderSteps is >= 0 and <= 1000, $"flight_recorder_steps must lie in 0..1000 (got {FlightRecorderSteps}; 0 turns the recorder off).");
        Require(PinnedModules is not null && PinnedModules.All(m => !string.IsNullOrWhiteSpace(m)),
            "pinned_modules must be a list of module names such as decoder.blocks.0.mlp.down_proj (no empty names).");
        Require(HeadroomInterval >= 0 && HeadroomWarnFactor >= 1, "headroom_interval must not be negative and headroom_warn_factor must be at least 1.");
        Require(SpikeFactor > 1 && SpikeWindow >= 3, "spike_factor must exceed 1 and spike_window must be at least 3.");
        problems.AddRange(LossScale.Validate());
        try
        {
            problems.AddRange(ResolveModel().Validate().Select(p => "model: " + p));
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
        return problems;
    }
}

/// <summary>Dynamic loss scaling for fp16 (PyTorch GradScaler's defaults, plus a floor that counts as failure).</summary>
public sealed record LossScaleConfig
{
    [JsonPropertyName("initial")] public double Initial { get; init; } = 65536;
    [JsonPropertyName("growth_factor")] public double GrowthFactor { get; init; } = 2;
    [JsonPropertyName("backoff_factor")] public double BackoffFactor { get; init; } = 0.5;

    /// <summary>Clean steps in a row before the scale grows.</summary>
    [JsonPropertyName("growth_interval")] public int GrowthInterval { get; init; } = 2000;

    /// <summary>A scale that would fall below this is a failure (gradients overflow even unscaled).</summary>
    [JsonPropertyName("minimum")] public double Minimum { get; init; } = 1;

    public IEnumerable<string> Validate()
    {
        if (Initial <= 0 || Minimum <= 0 || Minimum > Initial) yield return "loss_scale: need 0 < minimum <= initial.";
        if (GrowthFactor <= 1) yield return "loss_scale: growth_factor must exceed 1.";
        if (BackoffFactor is <= 0 or >= 1) yield return "loss_scale: backoff_factor must lie in (0, 1).";
        if (GrowthInterval < 1) yield return "loss_scale: growth_interval must be at least 1.";
    }
}
