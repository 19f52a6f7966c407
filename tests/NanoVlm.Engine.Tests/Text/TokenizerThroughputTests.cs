using System.Diagnostics;
using System.Globalization;
using NanoVlm.Engine.Text;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Text;

/// <summary>Runs alone, so that other test classes do not share its cores while it measures.</summary>
[CollectionDefinition(nameof(RunsAloneForTiming), DisableParallelization = true)]
public sealed class RunsAloneForTiming;

/// <summary>Prints encode throughput (not asserted: it depends on the machine).</summary>
[Collection(nameof(RunsAloneForTiming))]
public sealed class TokenizerThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(TokenizerFixtures.Gpt2)]
    [InlineData(TokenizerFixtures.Qwen25)]
    public void PrintsEncodeThroughput(string family)
    {
        string[] texts = TokenizerFixtures.Cases(family).Select(c => c.Text).ToArray();
        string corpus = string.Join("\n", Enumerable.Repeat(string.Join("\n", texts), 40));
        // Fresh instance so the first pass sees an empty word cache.
        string json = TokenizerFixtures.TokenizerJson(family);
        var load = Stopwatch.StartNew();
        HfTokenizer tokenizer = HfTokenizer.FromJson(json);
        double loadSeconds = load.Elapsed.TotalSeconds;

        (double cold, int tokens) = Measure(tokenizer, corpus);
        double warm = Enumerable.Range(0, 3).Min(_ => Measure(tokenizer, corpus).Seconds);

        double megabytes = System.Text.Encoding.UTF8.GetByteCount(corpus) / 1e6;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{family}: load {loadSeconds * 1000:F0} ms; {megabytes:F2} MB, {tokens} tokens; first pass {tokens / cold / 1e6:F2} M tokens/s ({megabytes / cold:F1} MB/s), cached (best of 3) {tokens / warm / 1e6:F2} M tokens/s ({megabytes / warm:F1} MB/s)"));
        Assert.True(tokens > 0);
    }

    private static (double Seconds, int Tokens) Measure(HfTokenizer tokenizer, string corpus)
    {
        var watch = Stopwatch.StartNew();
        int tokens = tokenizer.Encode(corpus).Length;
        return (watch.Elapsed.TotalSeconds, tokens);
    }
}
