using System.Diagnostics;
using System.Globalization;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Engine.Training.Sources;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// Where the time of a <c>tiny</c> training step goes in fp32 and under bf16 autocast, on real synthetic:easy
/// batches: whole step, vision tower alone, and the single operations at the model's shapes. Printed, not asserted.
/// </summary>
[Collection(nameof(MeasuredAlone))]
public sealed class Bf16ProfileTests(ITestOutputHelper output)
{
    [Fact]
    public void Prints_forward_and_backward_times_per_part_in_fp32_and_bf16()
    {
        EngineThreads.Apply(2);
        var config = TrainingPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with { Seed = 1 };
        var data = TrainingDataFactory.Create(config).Data;
        var batch = data.NextBatch(config.BatchSize);
        manual_seed(1);
        using var model = new VisionLanguageModel(config.ResolveModel());
        model.train();
        var pixels = batch.PixelValues!;
        output.WriteLine($"batch: input {string.Join("×", batch.InputIds.shape)}, pixels {string.Join("×", pixels.shape)}");

        foreach (var precision in new[] { ComputePrecision.Fp32, ComputePrecision.Bf16 })
        {
            Time(precision, "whole step fwd+bwd", () =>
            {
                Tensor loss;
                using (PrecisionScope.Enter(precision, model, false))
                    loss = model.Loss(model.Forward(batch.InputIds, pixels, batch.AttentionMask), batch.Labels);
                loss.backward();
            });
            Time(precision, "whole step fwd", () =>
            {
                using var noGrad = no_grad();
                using (PrecisionScope.Enter(precision, model, false))
                    _ = model.Loss(model.Forward(batch.InputIds, pixels, batch.AttentionMask), batch.Labels);
            });
            Time(precision, "vision+projector fwd+bwd", () =>
            {
                Tensor images;
                using (PrecisionScope.Enter(precision, model, false))
                    images = model.EncodeImages(pixels);
                images.to(ScalarType.Float32).sum().backward();
            });
            Time(precision, "vision+projector fwd", () =>
            {
                using var noGrad = no_grad();
                using (PrecisionScope.Enter(precision, model, false))
                    _ = model.EncodeImages(pixels);
            });
            model.zero_grad();
        }

        // Single operations at the model's shapes (autocast casts the float32 inputs as the model's layers would).
        var tokens = batch.InputIds.shape[0] * batch.InputIds.shape[1];
        var cfg = config.ResolveModel();
        var ops = new (string Name, Func<Tensor[]> Inputs, Func<Tensor[], Tensor> Op)[]
        {
            ($"conv2d patch {pixels.shape[0]}×3×{cfg.VitImgSize}² k{cfg.VitPatchSize}", () => [pixels.clone().requires_grad_(), randn(cfg.VitHiddenDim, 3, cfg.VitPatchSize, cfg.VitPatchSize).requires_grad_(), randn(cfg.VitHiddenDim).requires_grad_()],
                t => nn.functional.conv2d(t[0], t[1], t[2], strides: [cfg.VitPatchSize, cfg.VitPatchSize])),
            ($"linear {tokens}×{cfg.LmHiddenDim}→{cfg.LmInterDim}", () => [randn(tokens, cfg.LmHiddenDim).requires_grad_(), randn(cfg.LmInterDim, cfg.LmHiddenDim).requires_grad_()],
                t => nn.functional.linear(t[0], t[1])),
            ($"linear {tokens}×{cfg.LmInterDim}→{cfg.LmHiddenDim}", () => [randn(tokens, cfg.LmInterDim).requires_grad_(), randn(cfg.LmHiddenDim, cfg.LmInterDim).requires_grad_()],
                t => nn.functional.linear(t[0], t[1])),
            ($"linear+bias vit {pixels.shape[0] * 64}×{cfg.VitHiddenDim}→{cfg.VitInterDim}", () => [randn(pixels.shape[0] * 64, cfg.VitHiddenDim).requires_grad_(), randn(cfg.VitInterDim, cfg.VitHiddenDim).requires_grad_(), randn(cfg.VitInterDim).requires_grad_()],
                t => nn.functional.linear(t[0], t[1], t[2])),
            ($"head 64×{cfg.LmHiddenDim}→{cfg.LmVocabSize}", () => [randn(64, cfg.LmHiddenDim).requires_grad_(), randn(cfg.LmVocabSize, cfg.LmHiddenDim).requires_grad_()],
                t => nn.functional.linear(t[0], t[1]).to(ScalarType.Float32)),
            ("matmul 1024³", () => [randn(1024, 1024).requires_grad_(), randn(1024, 1024).requires_grad_()],
                t => t[0].matmul(t[1])),
        };
        foreach (var (name, inputs, op) in ops)
        {
            foreach (var precision in new[] { ComputePrecision.Fp32, ComputePrecision.Bf16 })
            {
                var args = inputs();
                Time(precision, name + " fwd+bwd", () =>
                {
                    Tensor y;
                    using (PrecisionScope.Enter(precision, model, false)) y = op(args);
                    y.to(ScalarType.Float32).sum().backward();
                });
                Time(precision, name + " fwd", () =>
                {
                    using var noGrad = no_grad();
                    using (PrecisionScope.Enter(precision, model, false)) _ = op(args);
                });
            }
        }
    }

    [Fact]
    public void Prints_optimizer_step_times_in_fp32_and_bf16_on_test_and_real_data()
    {
        EngineThreads.Apply(2);
        var config = TrainingPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with { Seed = 1, HeadroomInterval = 0 };
        foreach (var source in new[] { "fixture", "synthetic:easy" })
        {
            foreach (var precision in new[] { ComputePrecision.Fp32, ComputePrecision.Bf16 })
            {
                manual_seed(1);
                using var model = new VisionLanguageModel(config.ResolveModel());
                model.train();
                ITrainingData data = source == "fixture"
                    ? new SyntheticBatches(config.ResolveModel(), length: config.MaxLength)
                    : TrainingDataFactory.Create(config).Data;
                using var session = new TrainingSession(config, model, data, precision, false);
                Time(precision, $"{source}: OptimizerStep.Run", () => OptimizerStep.Run(session, null, false));
                var batch = data.NextBatch(config.BatchSize);
                Time(precision, $"{source}: fwd+bwd on one batch", () =>
                {
                    Tensor loss;
                    using (PrecisionScope.Enter(precision, model, false))
                        loss = model.Loss(model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask), batch.Labels);
                    loss.backward();
                });
            }
        }
    }

    private void Time(ComputePrecision precision, string name, Action action)
    {
        for (var i = 0; i < 2; i++)
        {
            using var warm = NewDisposeScope();
            action();
        }
        var samples = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            action();
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{precision.Label(),-5} {name,-50} {samples[2],9:0.0} ms (min {samples[0]:0.0})"));
    }
}
