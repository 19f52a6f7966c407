using System.Globalization;
using NanoVlm.Engine.Checkpoints.HuggingFace;

namespace NanoVlm.Server.Cli;

/// <summary>`import`: a nanoVLM checkpoint from Hugging Face SigLIP + SmolLM2/Llama backbone folders.</summary>
public sealed class ImportVerb : IVerb
{
    public string Name => "import";

    public string Summary => "build a nanoVLM checkpoint from Hugging Face vision (SigLIP/SigLIP2) and language (SmolLM2/Llama) folders";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("vision", "DIR", "SigLIP/SigLIP2 folder: config.json + model.safetensors"),
        new("language", "DIR", "SmolLM2/Llama folder: config.json + model.safetensors (or a sharded index)"),
        new("out", "DIR", "checkpoint folder to write"),
        new("overwrite", null, "replace an existing non-empty output folder"),
        new("seed", "S", "seed for the new projector and extra token rows (default 0)"),
        new("shuffle-factor", "F", "pixel-shuffle factor of the projector (default from nanoVLM's config)"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var summary = HfBackboneImporter.Import(
            arguments.GetRequiredString("vision"),
            arguments.GetRequiredString("language"),
            arguments.GetRequiredString("out"),
            new HfImportOptions
            {
                Overwrite = arguments.Has("overwrite"),
                Seed = arguments.GetInt("seed", 0, int.MaxValue) ?? 0,
                PixelShuffleFactor = arguments.GetInt("shuffle-factor", 1, 16),
            });
        foreach (var warning in summary.Warnings)
        {
            await console.Error.WriteLineAsync($"warning: {warning}");
        }
        var p = summary.Parameters;
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"wrote {summary.OutputDirectory}: {p.Total:N0} parameters (vision {p.VisionEncoder:N0}, projector {p.ModalityProjector:N0}, language {p.Decoder:N0}); {summary.ImportedParameters:N0} imported, {summary.InitializedParameters:N0} new; head: {summary.HeadSource}"));
        return CommandLine.Success;
    }
}
