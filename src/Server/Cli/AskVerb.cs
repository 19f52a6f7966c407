using System.Globalization;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Server.Cli;

/// <summary>`ask`: answer a question about a document image, printing the answer as it is generated.</summary>
public sealed class AskVerb : IVerb
{
    public string Name => "ask";

    public string Summary => "answer a question about a document image with a checkpoint or a preset, streaming the answer";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("model", "DIR|PRESET", "nanoVLM checkpoint folder, or a preset name (random weights, for smoke tests)"),
        new("image", "FILE", "PNG, JPEG, WebP, BMP or GIF"),
        new("question", "TEXT", "the question"),
        new("tokenizer", "FILE", "tokenizer.json when the checkpoint folder has none"),
        new("max-new-tokens", "N", "longest answer in tokens (default 64)"),
        new("greedy", null, "pick the most likely token each step (the default)"),
        new("temperature", "T", "sample with this temperature"),
        new("top-k", "K", "sample among the K most likely tokens (0 = all; default 50)"),
        new("top-p", "P", "sample within probability mass P (default 0.9)"),
        new("seed", "S", "sampling seed (default 42)"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var options = ParseOptions(arguments);
        var imagePath = arguments.GetRequiredString("image");
        var question = arguments.GetRequiredString("question");
        if (!File.Exists(imagePath))
        {
            throw new FileNotFoundException($"No image at '{imagePath}'.", imagePath);
        }
        var image = await File.ReadAllBytesAsync(imagePath, cancellationToken);

        using var model = VlmLoader.Load(arguments.GetRequiredString("model"), arguments.GetString("tokenizer"));
        foreach (var warning in model.Warnings)
        {
            await console.Error.WriteLineAsync($"warning: {warning}");
        }
        var answerer = new VqaAnswerer(model, new SafeImageDecoder(ImageLimits.Default));
        var result = answerer.Ask(image, question, options, piece => console.Out.Write(piece), cancellationToken);
        await console.Out.WriteLineAsync();
        await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{result.Tokens} tokens, {result.ImageTokens} image tokens, first token {result.MsToFirstToken:0} ms, total {result.MsTotal:0} ms ({model.Source})"));
        return CommandLine.Success;
    }

    private static AskOptions ParseOptions(VerbArguments arguments)
    {
        var sampling = arguments.Has("temperature") || arguments.Has("top-k") || arguments.Has("top-p") || arguments.Has("seed");
        if (sampling && arguments.Has("greedy"))
        {
            throw new UsageException("--greedy cannot be combined with --temperature, --top-k, --top-p or --seed.");
        }
        var defaults = new AskOptions();
        var options = defaults with
        {
            MaxNewTokens = arguments.GetInt("max-new-tokens", 1, 2048) ?? defaults.MaxNewTokens,
            Greedy = !sampling,
            Temperature = GetDouble(arguments, "temperature") ?? defaults.Temperature,
            TopK = arguments.GetInt("top-k", 0, 1_000_000) ?? defaults.TopK,
            TopP = GetDouble(arguments, "top-p") ?? defaults.TopP,
            Seed = (ulong)(arguments.GetInt("seed", 0, int.MaxValue) ?? (int)defaults.Seed),
        };
        var problems = options.Validate();
        return problems.Count == 0 ? options : throw new UsageException(string.Join(" ", problems));
    }

    private static double? GetDouble(VerbArguments arguments, string name)
    {
        var text = arguments.GetString(name);
        if (text is null)
        {
            return null;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new UsageException($"Option '--{name}' must be a number; got '{text}'.");
    }
}
