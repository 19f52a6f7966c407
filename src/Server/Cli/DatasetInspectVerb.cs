using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Preflight;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Server.Cli;

/// <summary>`dataset inspect`: what a data source holds, what is wrong with it, and (with a model) how long its samples are.</summary>
public sealed class DatasetInspectVerb : IVerb
{
    public string Name => "dataset inspect";

    public string Summary => "read a DocVQA source (official JSON, lmms-lab or the_cauldron parquet, JSONL) and report samples, problems and token lengths as JSON";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("path", "PATH", "a file or a folder of shards"),
        new("format", "FORMAT", "auto (default), docvqa, lmms-parquet, cauldron-parquet or jsonl"),
        new("verify-images", null, "check every image's header, size and completeness (slower)"),
        new("model", "DIR|PRESET", "with --max-length: measure token lengths for this model"),
        new("max-length", "L", "the max_length to check the data against"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var path = arguments.GetRequiredString("path");
        var model = arguments.GetString("model");
        var maxLength = arguments.GetInt("max-length", 1, 1_000_000);
        if ((model is null) != (maxLength is null))
        {
            throw new UsageException("--model and --max-length go together: the length preflight needs both.");
        }
        var observers = new List<IInspectionObserver>();
        LoadedVlm? loaded = null;
        try
        {
            if (model is not null)
            {
                loaded = VlmLoader.Load(model);
                var encoder = SampleEncoder.ForModel(loaded.Config, loaded.Tokenizer, new CollatorOptions(maxLength!.Value));
                observers.Add(new LengthPreflightObserver(encoder, new SafeImageDecoder(ImageLimits.Default)));
            }
            var result = DatasetInspector.Inspect(path, arguments.GetString("format") ?? DocVqaFormatNames.Auto,
                new InspectOptions { VerifyImages = arguments.Has("verify-images"), Observers = observers }, cancellationToken);
            await console.Out.WriteLineAsync(result.ToJson());
            return CommandLine.Success;
        }
        finally
        {
            loaded?.Dispose();
        }
    }
}
