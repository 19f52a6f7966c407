using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Optimization;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Engine.Training.Sources;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>One part of a profiled step: its median time over the repeats and its share of the parts' sum.</summary>
public sealed record StepPart(string Name, double Milliseconds, double Share);

/// <summary>
/// Where one training step's time goes (<c>bench --profile</c>), beside the trainer's own step measured in alternation
/// with it, and the matrix-multiply peaks measured between them.
/// </summary>
/// <param name="Parts">in the order a step runs them; the first is drawing the micro-batch, which the trainer does outside the timed step</param>
/// <param name="StepPartsMs">sum of the parts' medians without the data part: the profiled step</param>
/// <param name="TrainerStepMs">median of <see cref="OptimizerStep.Run"/> on the same batches (what the parts should add up to)</param>
/// <param name="Mfu">model FLOPs per second of the trainer's step over this precision's matmul peak</param>
public sealed record StepProfileFigures(
    string Preset,
    string Precision,
    int BatchSize,
    double TokensPerStep,
    double LabelledPerStep,
    double ImagesPerStep,
    IReadOnlyList<StepPart> Parts,
    double StepPartsMs,
    double TrainerStepMs,
    double ModelGflopsPerStep,
    double PeakFp32Gflops,
    double PeakBf16Gflops,
    double Mfu,
    double LoadAverageBefore,
    double LoadAverageAfter);

/// <summary>
/// Times the parts of one optimizer step of a training preset, in the trainer's order: the vision tower, the projector,
/// the token embedding with the image rows merged in, the rotary angles and mask, every decoder block's attention and
/// MLP (each with its pre-norm and residual add), the final norm with the LM head and loss, the backward pass, the
/// gradient norm, the NaN guard's every-step check, and the optimizer (clip, AdamW, zero_grad); plus drawing one real
/// micro-batch, which the trainer does before its step. A CPU runs every operation synchronously, so a clock read
/// between two parts times the part exactly; the backward pass is one part because autograd runs it as one call.
/// The forward is the model's own modules called one after another, exactly as <see cref="VisionLanguageModel.Forward"/>
/// and <see cref="VisionLanguageModel.Loss"/> chain them (<see cref="ProfiledLoss"/> returns the same loss, bit for bit).
/// </summary>
public static class StepProfile
{
    public const string DataPart = "data (draw one micro-batch)";
    public const string VisionPart = "vision tower";
    public const string ProjectorPart = "projector";
    public const string EmbeddingPart = "token embedding + image merge";
    public const string SetupPart = "rotary angles + mask";
    public const string AttentionPart = "decoder attention (norm1, qkv, rope, sdpa, out)";
    public const string MlpPart = "decoder MLP (norm2, gate/up, silu, down)";
    public const string HeadPart = "final norm + LM head + loss";
    public const string BackwardPart = "backward";
    public const string GradNormPart = "gradient norm";
    public const string GuardPart = "NaN guard check (one read-back)";
    public const string OptimizerPart = "optimizer (clip, AdamW, zero_grad)";

    private const int PreparedBatches = 4;

    public static StepProfileFigures Run(string preset, ComputePrecision precision, int? batchSize, int warmups, int repeats, int matmulSize, int threads)
    {
        var loadBefore = MachineFigures.LoadAverage().OneMinute;
        var presetConfig = TrainingPresets.Get(preset, VlmLoader.BuiltInBaseVocabSize);
        var config = presetConfig with
        {
            // Every group trains, as in the training section (the MFU's FLOP count assumes the whole model's backward).
            LrVision = presetConfig.LrVision > 0 ? presetConfig.LrVision : presetConfig.LrLanguage,
            BatchSize = batchSize ?? presetConfig.BatchSize,
            Threads = threads,
            Seed = 1,
        };
        EngineThreads.Apply(threads);
        var model = config.ResolveModel();
        var source = TrainingDataFactory.Create(config).Data;
        var batches = Enumerable.Range(0, PreparedBatches).Select(_ => source.NextBatch(config.BatchSize)).ToList();
        try
        {
            manual_seed(config.Seed);
            using var network = new VisionLanguageModel(model);
            network.train();
            using var session = new TrainingSession(config, network, new ReplayedBatches(batches), precision, onCuda: false);
            using var fp32Product = new SquareProduct(ScalarType.Float32, matmulSize);
            using var bf16Product = new SquareProduct(ScalarType.BFloat16, matmulSize);

            var samples = new List<Dictionary<string, double>>();
            var next = 0;
            void Profiled(bool keep)
            {
                var parts = new Dictionary<string, double>(StringComparer.Ordinal);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                DisposeBatch(source.NextBatch(config.BatchSize));
                parts[DataPart] = clock.Elapsed.TotalMilliseconds;
                ProfiledStep(session, batches[next++ % batches.Count], parts);
                if (keep) samples.Add(parts);
            }

            for (var i = 0; i < warmups; i++)
            {
                Profiled(keep: false);
                TrainerStep(session);
            }
            var times = Measure.InterleavedMedianMilliseconds(
            [
                () => Profiled(keep: true),
                () => TrainerStep(session),
                fp32Product.Run,
                bf16Product.Run,
            ], warmups: 0, repeats);
            var (trainerStep, fp32Peak, bf16Peak) = (times[1], fp32Product.Gflops(times[2]), bf16Product.Gflops(times[3]));

            var names = samples[0].Keys.ToList();
            var medians = names.Select(n => (Name: n, Ms: Measure.Median(samples.Select(s => s[n]).ToList()))).ToList();
            var stepParts = medians.Where(m => m.Name != DataPart).Sum(m => m.Ms);
            var parts = medians.Select(m => new StepPart(m.Name, m.Ms, m.Ms / stepParts)).ToList();

            var (tokens, labelled, images) = Counts(batches);
            var flops = ModelFlops.TrainingStep(model, (long)Math.Round(tokens), (long)Math.Round(labelled), (long)Math.Round(images));
            var ownPeak = precision == ComputePrecision.Bf16 ? bf16Peak : fp32Peak;
            return new StepProfileFigures(
                preset, precision.Label(), config.BatchSize, tokens, labelled, images, parts, stepParts, trainerStep,
                flops / 1e9, fp32Peak, bf16Peak,
                Mfu: flops / 1e9 / (trainerStep / 1000) / ownPeak,
                loadBefore, MachineFigures.LoadAverage().OneMinute);
        }
        finally
        {
            foreach (var batch in batches) DisposeBatch(batch);
        }
    }

    /// <summary>
    /// The loss the profiled forward computes for a batch (no timing): the same modules in the same order as
    /// <c>model.Loss(model.Forward(...), labels)</c>, so a test can check that the profile times the real computation.
    /// </summary>
    public static Tensor ProfiledLoss(VisionLanguageModel model, TrainingBatch batch) =>
        ProfiledForward(model, batch, new Dictionary<string, double>(StringComparer.Ordinal), System.Diagnostics.Stopwatch.StartNew());

    /// <summary>One optimizer step as <see cref="OptimizerStep.Run"/> does it (one micro-batch), with a clock read between parts.</summary>
    private static void ProfiledStep(TrainingSession session, TrainingBatch batch, Dictionary<string, double> parts)
    {
        using var scope = NewDisposeScope();
        var model = session.Model;
        var learningRates = session.LearningRates();
        var lossScale = session.Scaler.Scale;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Tensor loss;
        using (PrecisionScope.Enter(session.Precision, model, session.OnCuda))
            loss = ProfiledForward(model, batch, parts, clock);
        using (Scalar scale = lossScale) loss.mul(scale).backward();
        Lap(parts, BackwardPart, clock);

        var parameters = session.Optimizer.Parameters.Where(p => p.grad is not null).ToList();
        var gradNorm = stack(parameters.Select(p => p.grad!.detach().to(ScalarType.Float32).norm()).ToArray()).norm().reshape(1);
        Lap(parts, GradNormPart, clock);

        // What OptimizerStep adds for the guard: the running loss and token sums, one read-back, the finiteness checks.
        var lossSum = zeros(1).add_(loss.detach().to(ScalarType.Float32).reshape(1), NativeScalars.One);
        var tokens = zeros(1, dtype: ScalarType.Int64).add_(batch.AttentionMask.ne(NativeScalars.Zero).sum().reshape(1), NativeScalars.One);
        var synced = cat([lossSum, gradNorm, tokens.to(ScalarType.Float32)]).to(ScalarType.Float64, CPU).data<double>().ToArray();
        if (!double.IsFinite(synced[0]) || session.Scaler.Update(double.IsFinite(synced[1])) != LossScaleOutcome.Apply)
            throw new InvalidOperationException($"A profiled step of {session.Config.ModelPreset} gave a non-finite loss or gradient norm.");
        Lap(parts, GuardPart, clock);

        if (session.Config.MaxGradNorm > 0 && synced[1] > session.Config.MaxGradNorm)
        {
            using Scalar coefficient = session.Config.MaxGradNorm / (synced[1] + 1e-6);
            using var noGrad = no_grad();
            foreach (var p in parameters) p.grad!.mul_(coefficient);
        }
        session.Optimizer.Step(learningRates);
        session.Optimizer.ZeroGrad();
        Lap(parts, OptimizerPart, clock);
        session.Step++;
    }

    /// <summary>The model's forward and loss, part by part (see <see cref="VisionLanguageModel.EmbedInputs"/>, <see cref="LanguageModel.Forward"/>).</summary>
    private static Tensor ProfiledForward(VisionLanguageModel model, TrainingBatch batch, Dictionary<string, double> parts, System.Diagnostics.Stopwatch clock)
    {
        var config = model.Config;
        var decoder = model.Decoder;
        var imageEmbeddings = (Tensor?)null;
        if (batch.PixelValues is { } pixels && pixels.shape[0] > 0)
        {
            var patches = model.VisionEncoder.call(pixels); // [N, S, C]
            Lap(parts, VisionPart, clock);
            imageEmbeddings = model.Projector.call(patches); // [N, tokens, H]
            Lap(parts, ProjectorPart, clock);
        }
        var embeddings = decoder.EmbedTokens(batch.InputIds); // [B, T, H]
        if (imageEmbeddings is not null)
        {
            using Scalar imageToken = config.ImageTokenId;
            var placeholders = batch.InputIds.eq(imageToken).unsqueeze(-1); // [B, T, 1]
            embeddings = embeddings.masked_scatter(placeholders, imageEmbeddings.reshape(-1, config.LmHiddenDim).to(embeddings.dtype)); // [B, T, H]
        }
        Lap(parts, EmbeddingPart, clock);

        var (rows, length) = (embeddings.shape[0], embeddings.shape[1]);
        var angles = decoder.Rotary.Compute(0, length, embeddings.device);                            // [1, 1, T, hd] each
        var mask = AttentionMask.Build(batch.AttentionMask, rows, length, length, embeddings.device); // [B, 1, T, T]
        Lap(parts, SetupPart, clock);

        var x = embeddings;
        foreach (var block in decoder.Blocks)
        {
            x = x.add(block.Attention.Forward(block.Norm1.call(x), angles, mask, null), NativeScalars.One);
            Lap(parts, AttentionPart, clock);
            x = x.add(block.Mlp.call(block.Norm2.call(x)), NativeScalars.One);
            Lap(parts, MlpPart, clock);
        }
        var loss = model.Loss(decoder.FinalNorm.call(x), batch.Labels);
        Lap(parts, HeadPart, clock);
        return loss;
    }

    /// <summary>Adds the time since the last lap to a part (attention and MLP sum over the blocks) and restarts the clock.</summary>
    private static void Lap(Dictionary<string, double> parts, string part, System.Diagnostics.Stopwatch clock)
    {
        parts[part] = parts.GetValueOrDefault(part) + clock.Elapsed.TotalMilliseconds;
        clock.Restart();
    }

    private static void TrainerStep(TrainingSession session)
    {
        var result = OptimizerStep.Run(session, faults: null, measureHeadroom: false);
        if (result.Status != StepStatus.Applied)
            throw new InvalidOperationException($"A benchmark step of {session.Config.ModelPreset} was not applied ({result.Status}).");
        session.Step++;
    }

    /// <summary>Mean non-padding tokens, labelled positions and image views per batch.</summary>
    private static (double Tokens, double Labelled, double Images) Counts(IReadOnlyList<TrainingBatch> batches)
    {
        using var scope = NewDisposeScope();
        return (batches.Average(b => (double)b.AttentionMask.ne(0).sum().item<long>()),
                batches.Average(b => (double)b.Labels.ne(VisionLanguageModel.IgnoreIndex).sum().item<long>()),
                batches.Average(b => (double)b.ImageCount));
    }

    private static void DisposeBatch(TrainingBatch batch)
    {
        batch.InputIds.Dispose();
        batch.AttentionMask.Dispose();
        batch.Labels.Dispose();
        batch.PixelValues?.Dispose();
    }
}
