using NanoVlm.Engine.Model;
using NanoVlm.Engine.Refusals;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;

namespace NanoVlm.Engine.Tests.Training;

public sealed class MemoryFitTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void The_views_a_sample_can_have_follow_nanoVLMs_image_splitting_and_the_token_budget()
    {
        Assert.Equal(17, MemoryEstimate.MaxViewsPerSample(ModelPresets.NanoVlm460M(), 4096)); // 4×4 tiles + global
        Assert.Equal(7, MemoryEstimate.MaxViewsPerSample(ModelPresets.NanoVlm460M(), 512));  // 512 / 65 views fit the budget
        Assert.Equal(1, MemoryEstimate.MaxViewsPerSample(ModelPresets.NanoVlm460M() with { MaxImgSize = 512 }, 4096));
        Assert.Equal(5, MemoryEstimate.MaxViewsPerSample(ModelPresets.NanoVlm460M() with { MaxImgSize = 1024 }, 4096));
        Assert.Equal(1, MemoryEstimate.MaxViewsPerSample(ModelPresets.NanoVlm222M(), 128));
    }

    [Fact]
    public void The_estimate_counts_every_view_through_the_vision_encoder()
    {
        var config = TrainingPresets.NanoVlm460M() with { BatchSize = 1 };
        var one = MemoryEstimate.For(config, ComputePrecision.Fp32, viewsPerSample: 1);
        var seventeen = MemoryEstimate.For(config, ComputePrecision.Fp32, viewsPerSample: 17);

        Assert.Equal(seventeen.ActivationBytes, MemoryEstimate.For(config, ComputePrecision.Fp32).ActivationBytes); // worst case by default
        // ViT-B/16 at 512 px: 1024 patches × 12 blocks of float32 and compute-precision tensors, about 0.7 GiB per view.
        var perView = (seventeen.ActivationBytes - one.ActivationBytes) / 16.0 / GiB;
        Assert.InRange(perView, 0.5, 1.0);
    }

    [Fact]
    public void A_run_that_fits_gets_its_estimate()
    {
        var config = TrainingPresets.NanoVlm222M() with { BatchSize = 2 };
        var estimate = MemoryFit.Ensure(config, ComputePrecision.Bf16, new AvailableMemory(24 * GiB, 24 * GiB, "available now"));
        Assert.Equal(MemoryEstimate.For(config, ComputePrecision.Bf16), estimate);
    }

    [Fact]
    public void NanoVlm460M_at_nanoVLMs_defaults_is_refused_on_a_24_GiB_machine_with_the_figures_and_what_fits()
    {
        var config = TrainingPresets.NanoVlm460M();
        var needed = MemoryEstimate.For(config, ComputePrecision.Bf16).TotalBytes;

        var error = Assert.Throws<InsufficientMemoryForRunException>(() =>
            MemoryFit.Ensure(config, ComputePrecision.Bf16, new AvailableMemory(20 * GiB, 24 * GiB, "available now (MemAvailable)")));

        Assert.Equal((needed, 20 * GiB), (error.NeededBytes, error.AvailableBytes));
        Assert.Contains($"needs about {needed / (double)GiB:0.0} GiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("but 20.0 GiB is available now (MemAvailable) of 24.0 GiB in all", error.Message, StringComparison.Ordinal);
        Assert.Contains("micro-batch of 2 × 4096 tokens", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<RefusalException>(error);

        // With a little more memory, the smaller micro-batch that fits keeps nanoVLM's 16 samples per step.
        var larger = Assert.Throws<InsufficientMemoryForRunException>(() =>
            MemoryFit.Ensure(config, ComputePrecision.Bf16, new AvailableMemory(needed * 3 / 4, null, "available now")));
        Assert.Contains("A micro-batch of 1 fits (with grad_accum 16 it keeps about 16 samples per step)", larger.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_no_batch_fits_it_says_which_max_length_or_change_would()
    {
        var config = TrainingPresets.NanoVlm460M() with { BatchSize = 1 };
        var error = Assert.Throws<InsufficientMemoryForRunException>(() =>
            MemoryFit.Ensure(config, ComputePrecision.Fp32, new AvailableMemory(12 * GiB, null, "available now")));

        Assert.Contains("Even a micro-batch of 1 does not fit at max_length 4096; max_length", error.Message, StringComparison.Ordinal);
        Assert.Contains("lower max_img_size (2048) too", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Machine_memory_is_read_from_this_machine()
    {
        var available = MachineMemory.Available();
        Assert.True(available.Bytes > 0);
        Assert.True(available.TotalBytes is null || available.TotalBytes >= available.Bytes);
        Assert.False(string.IsNullOrWhiteSpace(available.Source));
    }
}
