using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NanoVlm.Engine.Training.Sources;

namespace NanoVlm.Server.Cli;

/// <summary>
/// `dataset pack`: a run's training data as shards for the PyTorch engine (docs/distributed.md): tokenized, truncated,
/// collated and image-processed by the in-process trainer's own data code, in its order. The run is described as for
/// <c>train</c> (preset or run settings, then single options), since the model, max_length, seed and data decide the samples.
/// </summary>
public sealed class DatasetPackVerb : IVerb
{
    public string Name => "dataset pack";

    public string Summary => "write a run's data (synthetic or DocVQA) as tokenized, image-processed shards for the PyTorch engine (docs/distributed.md)";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("out", "DIR", "an empty or new folder for index.json and the shard files"),
        new("config", "FILE", "run settings or a run folder's run.json (as for train): model, max_length, seed and data"),
        new("preset", "NAME", $"training preset instead (default {TrainVerb.DefaultPreset})"),
        new("data", "SOURCE", "synthetic:easy|medium|hard or a DocVQA source path"),
        new("max-length", "L", "longest sample in tokens, image tokens included"),
        new("seed", "S", "seed (the synthetic documents depend on it)"),
        new("steps", "N", "optimizer steps of the run (how many samples a synthetic source needs)"),
        new("batch-size", "B", "global micro-batch of the run (ditto)"),
        new("grad-accum", "A", "micro-batches per step (ditto)"),
        new("samples", "N", "training samples to pack (default: steps × batch × accumulation of a synthetic source, one epoch of a DocVQA source)"),
        new("validation-samples", "N", "validation samples to pack (default: the whole fixed validation set; 0 for none)"),
        new("samples-per-shard", "N", "samples per shard file (default 256)"),
        new("tokenizer", "FILE", "tokenizer.json when the model's vocabulary is not the built-in tokenizer's"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(arguments.GetRequiredString("out"));
        var tokenizerPath = arguments.GetString("tokenizer");
        var config = TrainVerb.ResolveConfig(arguments, resume: null, tokenizerPath);
        var problems = config.Validate();
        if (problems.Count > 0) throw new UsageException("The run's settings are not usable:\n- " + string.Join("\n- ", problems));
        var request = new PackRequest
        {
            Config = config,
            Folder = folder,
            TrainSamples = arguments.GetInt("samples", 1),
            ValidationSamples = arguments.GetInt("validation-samples", 0),
            SamplesPerShard = arguments.GetInt("samples-per-shard", 1, 1_000_000) ?? 256,
            TokenizerPath = tokenizerPath,
        };
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new UsageException($"'{folder}' is not empty; shards go into an empty or new folder.");

        await console.Error.WriteLineAsync($"packing {config.Data} for {config.ModelPreset} (max_length {config.MaxLength}, seed {config.Seed}) into {folder}");
        var progress = new SynchronousProgress(p => console.Error.WriteLine(p.Total is { } total
            ? string.Create(CultureInfo.InvariantCulture, $"{p.Split}: {p.Samples}/{total}")
            : string.Create(CultureInfo.InvariantCulture, $"{p.Split}: {p.Samples}")));
        var result = TrainingDataPacker.Pack(request, progress, cancellationToken);
        foreach (var problem in result.Problems) await console.Error.WriteLineAsync($"left out: {problem}");
        await console.Out.WriteLineAsync(Describe(result));
        return CommandLine.Success;
    }

    /// <summary>What was written, as JSON (the shape of the Python checker's summary, plus the drops and time).</summary>
    private static string Describe(PackResult result)
    {
        var splits = new JsonObject();
        foreach (var (name, split) in result.Index.Splits)
        {
            splits[name] = new JsonObject
            {
                ["samples"] = split.Samples,
                ["tokens"] = split.Tokens,
                ["max_sample_tokens"] = split.MaxSampleTokens,
                ["tiles"] = split.Tiles,
                ["labelled_tokens"] = split.LabelledTokens,
                ["shards"] = split.Shards.Count,
            };
        }
        var summary = new JsonObject
        {
            ["folder"] = result.Folder,
            ["source"] = result.Index.Source,
            ["data"] = result.DataDescription,
            ["image_token_id"] = result.Index.ImageTokenId,
            ["tile_size"] = result.Index.TileSize,
            ["vocab_size"] = result.Index.VocabSize,
            ["splits"] = splits,
            ["train_dropped"] = result.TrainDropped,
            ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 1),
        };
        return summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reports on the packing thread (Progress&lt;T&gt; would post to the thread pool and lines could arrive after the summary).</summary>
    private sealed class SynchronousProgress(Action<PackProgress> report) : IProgress<PackProgress>
    {
        public void Report(PackProgress value) => report(value);
    }
}
