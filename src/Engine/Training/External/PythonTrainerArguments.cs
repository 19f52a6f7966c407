using System.Globalization;

namespace NanoVlm.Engine.Training.External;

/// <summary>The command line of the PyTorch engine's trainer (<c>python3 -m nanovlm_distributed.train</c>, docs/distributed.md).</summary>
public sealed record PythonTrainerArguments
{
    /// <summary>The run folder rank 0 writes.</summary>
    public required string RunFolder { get; init; }

    /// <summary>The shard folder (<c>dataset pack</c>).</summary>
    public required string Shards { get; init; }

    /// <summary>A run.json-format configuration (batch_size per process).</summary>
    public string? Config { get; init; }

    /// <summary>A nanoVLM checkpoint to start from.</summary>
    public string? Init { get; init; }

    /// <summary>A checkpoint (or run folder) to continue.</summary>
    public string? Resume { get; init; }

    /// <summary>With <see cref="Resume"/>: the precision to continue in (<c>fp32</c>, <c>bf16</c>, ...).</summary>
    public string? Precision { get; init; }

    /// <summary>With <see cref="Resume"/>: half the per-process batch, twice the accumulation.</summary>
    public bool HalveMicroBatch { get; init; }

    /// <summary>cpu, cuda, cuda:N or auto; null keeps the configuration's.</summary>
    public string? Device { get; init; }

    /// <summary>Intra-op threads per process; null keeps the configuration's (torchrun sets 1 otherwise).</summary>
    public int? Threads { get; init; }

    public IReadOnlyList<string> ToArguments()
    {
        var args = new List<string> { "--run-dir", RunFolder, "--shards", Shards };
        void Add(string name, string? value)
        {
            if (value is not null) args.AddRange([name, value]);
        }
        Add("--config", Config);
        Add("--init", Init);
        Add("--resume", Resume);
        Add("--precision", Precision);
        if (HalveMicroBatch) args.Add("--halve-micro-batch");
        Add("--device", Device);
        Add("--threads", Threads?.ToString(CultureInfo.InvariantCulture));
        return args;
    }
}
