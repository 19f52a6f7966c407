using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Guard;
using NanoVlm.Engine.Training.Optimization;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Training;

public sealed class OptimizationTests
{
    [Fact]
    public void Schedule_warms_up_linearly_then_decays_by_cosine_to_the_floor()
    {
        var schedule = new LearningRateSchedule(maxSteps: 100, warmupFraction: 0.1, minLrFraction: 0.1);
        Assert.Equal(10, schedule.WarmupSteps);
        Assert.Equal(0.1, schedule.At(0, 1.0), 12);   // (it+1)/warmup
        Assert.Equal(1.0, schedule.At(9, 1.0), 12);
        Assert.Equal(1.0, schedule.At(10, 1.0), 12);  // cosine starts at the peak
        Assert.Equal(0.55, schedule.At(55, 1.0), 12); // halfway: min + 0.5·(max − min)
        Assert.Equal(0.1, schedule.At(100, 1.0), 12);
        Assert.Equal(0.1, schedule.At(150, 1.0), 12);
    }

    [Fact]
    public void Loss_scaler_follows_GradScaler_and_fails_below_its_minimum()
    {
        var scaler = new DynamicLossScaler(new LossScaleConfig { GrowthInterval = 3, Minimum = 16384 });
        scaler.Configure(enabled: true);
        Assert.Equal(65536, scaler.Scale);

        Assert.Equal(LossScaleOutcome.SkipAndBackOff, scaler.Update(gradientsFinite: false));
        Assert.Equal(32768, scaler.Scale);
        Assert.Equal(LossScaleOutcome.Apply, scaler.Update(true));
        Assert.Equal(LossScaleOutcome.Apply, scaler.Update(true));
        Assert.Equal(32768, scaler.Scale);
        Assert.Equal(LossScaleOutcome.Apply, scaler.Update(true)); // third clean step in a row
        Assert.Equal(65536, scaler.Scale);

        Assert.Equal(LossScaleOutcome.SkipAndBackOff, scaler.Update(false));
        Assert.Equal(LossScaleOutcome.SkipAndBackOff, scaler.Update(false));
        Assert.Equal(16384, scaler.Scale);
        Assert.Equal(LossScaleOutcome.BelowMinimum, scaler.Update(false));
        Assert.Equal(16384, scaler.Scale);

        scaler.Configure(enabled: false);
        Assert.Equal(1, scaler.Scale);
        Assert.Equal(LossScaleOutcome.Apply, scaler.Update(true));
        Assert.Equal(LossScaleOutcome.BelowMinimum, scaler.Update(false)); // without scaling a non-finite gradient is a failure
    }

    [Fact]
    public void The_single_pass_AdamW_kernel_gives_the_libtorch_operations_result_to_one_ulp()
    {
        manual_seed(11);
        using var scope = NewDisposeScope();
        const int n = 1_000_003; // several parallel chunks and a scalar tail
        var (lr, beta1, beta2, eps, decay) = (3e-3, 0.9, 0.999, 1e-8, 0.01);
        var parameter = randn(n);
        var expAvg = randn(n).mul(0.01);
        var expAvgSq = rand(n).mul(1e-4);
        var reference = (P: parameter.clone(), M: expAvg.clone(), V: expAvgSq.clone());
        for (var step = 1; step <= 3; step++)
        {
            var grad = randn(n).mul(step == 2 ? 1e-3 : 1.0);
            var (c1, c2) = (1 - Math.Pow(beta1, step), 1 - Math.Pow(beta2, step));
            AdamWKernel.Update(parameter, grad, expAvg, expAvgSq,
                new AdamWCoefficients((float)(1 - lr * decay), (float)(1 - beta1), (float)beta2, (float)(1 - beta2), (float)Math.Sqrt(c2), (float)eps, (float)(-lr / c1)), threads: 2);

            // torch.optim.AdamW's single-tensor step, as AdamW runs it without the kernel
            reference.P.mul_(1 - lr * decay);
            reference.M.lerp_(grad, tensor((float)(1 - beta1)));
            reference.V.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
            var denominator = reference.V.sqrt().div_(Math.Sqrt(c2)).add_(eps);
            reference.P.addcdiv_(reference.M, denominator, -lr / c1);
        }
        Assert.True(expAvg.eq(reference.M).all().item<bool>(), $"exp_avg differs by up to {expAvg.sub(reference.M).abs().max().item<float>()}");
        Assert.True(expAvgSq.eq(reference.V).all().item<bool>(), $"exp_avg_sq differs by up to {expAvgSq.sub(reference.V).abs().max().item<float>()}");
        // The parameter: the same operations, but 0.02% of the elements come out one ulp (of the operands, about 1) apart (the order in which
        // libtorch's compiler rounds inside addcdiv is not reproducible from C#); never more than that.
        Assert.True(parameter.allclose(reference.P, rtol: 2.4e-7, atol: 2.4e-7), $"the parameter differs by up to {parameter.sub(reference.P).abs().max().item<float>()}");
    }

    [Fact]
    public void AdamW_matches_torch_optim_AdamW_and_its_state_round_trips()
    {
        manual_seed(5);
        using var ours = nn.Linear(6, 4);
        using var reference = nn.Linear(6, 4);
        using (no_grad())
        {
            reference.weight!.copy_(ours.weight!);
            reference.bias!.copy_(ours.bias!);
        }
        var group = new ParameterGroup("language", 0.01, [("w", ours.weight!), ("b", ours.bias!)]);
        using var adamW = new AdamW([group], 0.9, 0.999, 1e-8, 0.01);
        var torchAdamW = optim.AdamW(reference.parameters(), lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01);
        var input = randn(3, 6);
        for (var step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            ours.call(input).pow(2).sum().backward();
            adamW.Step(new Dictionary<string, double> { ["language"] = 0.01 });
            adamW.ZeroGrad();
            reference.call(input).pow(2).sum().backward();
            torchAdamW.step();
            torchAdamW.zero_grad();
        }
        Assert.True(ours.weight!.allclose(reference.weight!, rtol: 0, atol: 1e-6));
        Assert.True(ours.bias!.allclose(reference.bias!, rtol: 0, atol: 1e-6));

        using var restored = new AdamW([group], 0.9, 0.999, 1e-8, 0.01);
        using (var scope = NewDisposeScope()) restored.ImportState(adamW.ExportState(), adamW.StepCount);
        Assert.Equal(5, restored.StepCount);
        using var scope2 = NewDisposeScope();
        var a = adamW.ExportState();
        var b = restored.ExportState();
        Assert.All(a.Keys, k => Assert.True(a[k].eq(b[k]).all().item<bool>()));
    }

    [Fact]
    public void Parameter_groups_split_the_model_and_a_zero_learning_rate_freezes_its_group()
    {
        using var model = new VisionLanguageModel(TrainingFixtures.MicroModel());
        var config = TrainingFixtures.Micro() with { LrVision = 0 };
        var groups = ParameterGroups.Build(model, config);

        Assert.Equal([ParameterGroups.Projector, ParameterGroups.Language], groups.Select(g => g.Name));
        Assert.All(groups[0].Parameters, p => Assert.StartsWith("MP.", p.Name, StringComparison.Ordinal));
        Assert.All(groups[1].Parameters, p => Assert.StartsWith("decoder.", p.Name, StringComparison.Ordinal));
        Assert.Single(groups[1].Parameters, p => p.Name == "decoder.token_embedding.weight"); // the tied matrix once
        Assert.All(model.named_parameters().Where(p => p.name.StartsWith("vision_encoder.", StringComparison.Ordinal)),
            p => Assert.False(p.parameter.requires_grad));
    }

    [Fact]
    public void Loss_spike_detector_compares_with_the_recent_median()
    {
        var detector = new LossSpikeDetector(factor: 3, window: 3);
        Assert.Null(detector.Observe(1.0));
        Assert.Null(detector.Observe(1.2));
        Assert.Null(detector.Observe(0.8));
        Assert.Null(detector.Observe(2.9));       // median 1.0: under 3×
        Assert.Equal(1.2, detector.Observe(4.0)); // median of 1.2, 0.8, 2.9
        Assert.Null(detector.Observe(double.NaN));
    }
}
