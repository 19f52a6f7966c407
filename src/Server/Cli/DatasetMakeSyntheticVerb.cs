using System.Globalization;
using NanoVlm.Engine.Data.Synthetic;

namespace NanoVlm.Server.Cli;

/// <summary>`dataset make-synthetic`: writes generated documents in the official DocVQA layout.</summary>
public sealed class DatasetMakeSyntheticVerb : IVerb
{
    public string Name => "dataset make-synthetic";

    public string Summary => "write synthetic document-QA data (PNG pages + {split}_v1.0.json) in the official DocVQA layout";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("out", "DIR", "folder to create (must not exist or be empty unless --overwrite)"),
        new("count", "N", "number of documents; each carries 2-3 questions"),
        new("seed", "S", "seed (same seed, same bytes; default 0)"),
        new("difficulty", "LEVEL", "easy (default), medium or hard"),
        new("split", "SPLIT", "train (default) or val"),
        new("overwrite", null, "replace an existing non-empty folder"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        SyntheticDifficulty difficulty;
        SyntheticSplit split;
        try
        {
            difficulty = SyntheticNames.ParseDifficulty(arguments.GetString("difficulty") ?? "easy");
            split = SyntheticNames.ParseSplit(arguments.GetString("split") ?? "train");
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        var request = new MakeSyntheticRequest(
            arguments.GetRequiredString("out"),
            arguments.GetInt("count", 1, 10_000_000) ?? throw new UsageException("Option '--count' is required."),
            arguments.GetInt("seed", 0, int.MaxValue) ?? 0,
            difficulty,
            split,
            arguments.Has("overwrite"));
        var result = SyntheticDatasetWriter.Write(request, new Progress<int>(), cancellationToken);
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"wrote {result.Documents} documents, {result.Questions} questions to {result.OutputDirectory} ({result.AnnotationPath}) in {result.Elapsed.TotalSeconds:0.0} s"));
        return CommandLine.Success;
    }
}
