using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Inference;

/// <summary>How to decode an answer. Greedy by default, as DocVQA evaluation does.</summary>
public sealed record AskOptions
{
    public int MaxNewTokens { get; init; } = 64;

    public bool Greedy { get; init; } = true;

    public double Temperature { get; init; } = 0.7;

    public int TopK { get; init; } = 50;

    public double TopP { get; init; } = 0.9;

    public ulong Seed { get; init; } = 42;

    /// <summary>Every problem with the settings, in words; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxNewTokens is < 1 or > 2048) problems.Add($"max new tokens must be between 1 and 2048; got {MaxNewTokens}.");
        if (!Greedy)
        {
            if (!(Temperature > 0 && Temperature <= 10)) problems.Add($"temperature must be above 0 and at most 10; got {Temperature}.");
            if (TopK < 0) problems.Add($"top-k must be 0 (off) or positive; got {TopK}.");
            if (!(TopP > 0 && TopP <= 1)) problems.Add($"top-p must be above 0 and at most 1; got {TopP}.");
        }
        return problems;
    }

    internal GenerationOptions ToGeneration(long eosTokenId) => new(MaxNewTokens)
    {
        Greedy = Greedy,
        Temperature = Temperature,
        TopK = TopK,
        TopP = TopP,
        Seed = Seed,
        EosTokenId = eosTokenId,
        StopAtEos = true,
    };
}
