using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Model;

/// <summary>How <see cref="VlmGeneration.Generate"/> picks tokens.</summary>
/// <param name="MaxNewTokens">tokens to produce per row</param>
public sealed record GenerationOptions(int MaxNewTokens)
{
    /// <summary>Argmax at every step (the parity path). When false: top-k, then top-p, then temperature sampling.</summary>
    public bool Greedy { get; init; } = true;

    /// <summary>Applied after the top-k/top-p filter, as the reference does (so top-p sees the temperature-1 distribution).</summary>
    public double Temperature { get; init; } = 0.5;

    /// <summary>Keep logits ≥ the k-th largest; 0 disables.</summary>
    public int TopK { get; init; } = 50;

    /// <summary>Keep the smallest set of tokens whose probability reaches p (always at least one); 1 disables.</summary>
    public double TopP { get; init; } = 0.9;

    /// <summary>Seed of the sampling generator (sampling is reproducible for a given seed).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>End-of-sequence id: once a row emits it, the rest of that row is this id.</summary>
    public long? EosTokenId { get; init; }

    /// <summary>Stop decoding once every row has emitted <see cref="EosTokenId"/> (the output is still [B, MaxNewTokens]).</summary>
    public bool StopAtEos { get; init; }
}

/// <summary>
/// Incremental decoding with a KV cache (spec §5): prefill over the whole (left-padded) prompt, then one token at
/// a time at positions T, T+1, …, the attention mask growing by a column of ones per step.
/// </summary>
public static class VlmGeneration
{
    /// <summary>
    /// Generates <see cref="GenerationOptions.MaxNewTokens"/> tokens per row and returns only them, [B, N] int64 on
    /// the CPU. Runs without gradients and in eval mode (the model's mode is restored afterwards). Every step runs in
    /// its own dispose scope, so the loop holds only the cache between steps.
    /// </summary>
    /// <param name="inputIds">[B, T] int64, left-padded</param>
    /// <param name="pixelValues">[N, 3, S, S] or null</param>
    /// <param name="attentionMask">[B, T] (1 = token, 0 = pad) or null</param>
    /// <param name="onStep">called after each step with the step index and the token chosen for every row, for streaming</param>
    /// <param name="cancellationToken">checked before every step; cancelling throws <see cref="OperationCanceledException"/></param>
    public static Tensor Generate(VisionLanguageModel model, Tensor inputIds, Tensor? pixelValues, Tensor? attentionMask,
        GenerationOptions options, long? imageTokenId = null, Action<int, long[]>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxNewTokens);
        if (!options.Greedy && !(options.Temperature > 0))
            throw new ArgumentException($"Sampling needs a positive temperature, got {options.Temperature}.", nameof(options));
        if (!options.Greedy && !(options.TopP > 0))
            throw new ArgumentException($"Sampling needs top_p > 0, got {options.TopP}.", nameof(options));
        if (options.StopAtEos && options.EosTokenId is null)
            throw new ArgumentException("StopAtEos needs an EosTokenId.", nameof(options));
        var batch = (int)inputIds.shape[0];
        var promptLength = inputIds.shape[1];
        var steps = options.MaxNewTokens;
        var device = model.Device;
        var tokens = new long[batch, steps];
        var finished = new bool[batch];

        var wasTraining = model.training;
        model.eval();
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Decoder.BlockCount, promptLength + steps);
        using var sampler = options.Greedy ? null : new Generator(options.Seed, device);
        try
        {
            using (var scope = NewDisposeScope())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var ids = inputIds.to(device);
                var mask = attentionMask?.to(device);
                var hidden = model.Decoder.Forward(model.EmbedInputs(ids, pixelValues?.to(device), imageTokenId), mask, cache); // [B, T, H]
                Record(tokens, 0, Choose(model.Logits(hidden.select(1, -1)), options, sampler), finished, options);
                onStep?.Invoke(0, Column(tokens, 0));
            }
            for (var step = 1; step < steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (options.StopAtEos && finished.All(f => f))
                {
                    FillRemaining(tokens, step, options.EosTokenId!.Value);
                    break;
                }
                using var scope = NewDisposeScope();
                var previous = new long[batch];
                for (var b = 0; b < batch; b++) previous[b] = tokens[b, step - 1];
                var next = tensor(previous, dtype: ScalarType.Int64, device: device).unsqueeze(1);   // [B, 1]
                var mask = GrowMask(attentionMask, batch, promptLength, step, device);               // [B, T + step]
                var hidden = model.Decoder.Forward(model.Decoder.EmbedTokens(next), mask, cache);      // [B, 1, H]
                Record(tokens, step, Choose(model.Logits(hidden.select(1, -1)), options, sampler), finished, options);
                onStep?.Invoke(step, Column(tokens, step));
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return tensor(tokens, dtype: ScalarType.Int64);
    }

    /// <summary>The prompt mask followed by <paramref name="generated"/> columns of ones.</summary>
    private static Tensor GrowMask(Tensor? promptMask, int batch, long promptLength, int generated, Device device)
    {
        var prompt = promptMask?.to(ScalarType.Int64, device) ?? ones(batch, promptLength, dtype: ScalarType.Int64, device: device);
        return cat([prompt, ones(batch, generated, dtype: ScalarType.Int64, device: device)], 1);
    }

    /// <summary>Next token per row from [B, V] logits.</summary>
    private static long[] Choose(Tensor logits, GenerationOptions options, Generator? sampler)
    {
        var scores = logits.to(ScalarType.Float32);
        Tensor chosen;
        if (options.Greedy || sampler is null)
        {
            chosen = scores.argmax(-1);
        }
        else
        {
            var filtered = TokenFilter.TopKTopP(scores, options.TopK, options.TopP);
            using Scalar temperature = options.Temperature;
            var probabilities = nn.functional.softmax(filtered.div(temperature), -1);
            chosen = multinomial(probabilities, 1, false, sampler).squeeze(-1);
        }
        return chosen.cpu().data<long>().ToArray();
    }

    private static void Record(long[,] tokens, int step, long[] chosen, bool[] finished, GenerationOptions options)
    {
        for (var b = 0; b < chosen.Length; b++)
        {
            if (options.EosTokenId is { } eos)
            {
                tokens[b, step] = finished[b] ? eos : chosen[b];
                finished[b] |= chosen[b] == eos;
            }
            else
            {
                tokens[b, step] = chosen[b];
            }
        }
    }

    private static long[] Column(long[,] tokens, int step)
    {
        var column = new long[tokens.GetLength(0)];
        for (var b = 0; b < column.Length; b++) column[b] = tokens[b, step];
        return column;
    }

    private static void FillRemaining(long[,] tokens, int fromStep, long eos)
    {
        for (var b = 0; b < tokens.GetLength(0); b++)
        {
            for (var s = fromStep; s < tokens.GetLength(1); s++) tokens[b, s] = eos;
        }
    }
}
