using System.Diagnostics;
using System.Globalization;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Text;
using NanoVlm.Engine.Text;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Data.Synthetic;

/// <summary>Prints generator throughput on one thread (not asserted: it depends on the machine).</summary>
[Collection(nameof(RunsAloneForTiming))]
public sealed class SyntheticThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(SyntheticDifficulty.Easy, 400)]
    [InlineData(SyntheticDifficulty.Medium, 100)]
    [InlineData(SyntheticDifficulty.Hard, 40)]
    public void PrintsSamplesPerSecond(SyntheticDifficulty difficulty, int count)
    {
        // One core: libtorch's intra-op threads would otherwise compete for the second core during collation.
        var threads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        try
        {
            Run(difficulty, count);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(threads);
        }
    }

    private void Run(SyntheticDifficulty difficulty, int count)
    {
        var generator = new SyntheticDocVqaGenerator(difficulty, seed: 1);
        generator.Generate(SyntheticSplit.Train, 0).Render().Dispose(); // fonts and code paths warm

        var pixels = Measure(count, i =>
        {
            using var image = generator.Generate(SyntheticSplit.Train, i).Render();
        });
        var png = Measure(Math.Max(10, count / 4), i => generator.Generate(SyntheticSplit.Train, i).EncodePng());

        // Straight to a training batch for the tiny preset (render → tiles → tensors), batch of 1.
        var tokenizer = BuiltInTokenizers.NanoVlmGpt2();
        var config = ModelPresets.Tiny(tokenizer.ImageTokenId);
        var collator = TrainingBatchCollator.ForModel(config, tokenizer, new CollatorOptions(MaxLength: 2048));
        var batches = Measure(Math.Max(10, count / 4), i =>
        {
            using var batch = collator.Collate([generator.Generate(SyntheticSplit.Train, i).ToVqaSample()]);
        });

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{difficulty.Name()}: {pixels:F0} samples/s to pixels, {png:F0} samples/s to PNG, {batches:F0} samples/s to tiny-preset batches (one thread)"));
        Assert.True(pixels > 0);
    }

    private static double Measure(int count, Action<int> make)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 1; i <= count; i++) make(i);
        return count / watch.Elapsed.TotalSeconds;
    }
}
