using System.Diagnostics;
using System.Globalization;
using NanoVlm.Engine.Text;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Text;

/// <summary>Prints encode throughput (not asserted: it depends on the machine).</summary>
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
        HfTokenizer tokenizer = HfTokenizer.FromJson(TokenizerFixtures.TokenizerJson(family));

        (double cold, int tokens) = Measure(tokenizer, corpus);
        (double warm, _) = Measure(tokenizer, corpus);

        double megabytes = System.Text.Encoding.UTF8.GetByteCount(corpus) / 1e6;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{family}: {megabytes:F2} MB, {tokens} tokens; first pass {tokens / cold / 1e6:F2} M tokens/s ({megabytes / cold:F1} MB/s), cached {tokens / warm / 1e6:F2} M tokens/s ({megabytes / warm:F1} MB/s)"));
        Assert.True(tokens > 0);
    }

    private static (double Seconds, int Tokens) Measure(HfTokenizer tokenizer, string corpus)
    {
        var watch = Stopwatch.StartNew();
        int tokens = tokenizer.Encode(corpus).Length;
        return (watch.Elapsed.TotalSeconds, tokens);
    }
}
