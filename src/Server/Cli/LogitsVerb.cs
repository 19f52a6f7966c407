using System.Globalization;
using NanoVlm.Engine.Parity;

namespace NanoVlm.Server.Cli;

/// <summary>
/// `logits`: run a checkpoint on a safetensors input and write logits, loss and greedy tokens — the parity contract
/// with the Python reference (keep its options and outputs stable).
/// </summary>
public sealed class LogitsVerb : IVerb
{
    public string Name => "logits";

    public string Summary => "run a nanoVLM checkpoint on inputs from a safetensors file and write logits/loss/generated ids (parity checks)";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("model", "DIR", "nanoVLM checkpoint folder (config.json + model.safetensors)"),
        new("input", "IN.safetensors", "input_ids [B,T]; optional attention_mask, pixel_values, labels"),
        new("output", "OUT.safetensors", "where logits [B,T,V], loss and generated [B,N] are written"),
        new("generate", "N", "also decode N tokens greedily with the KV cache (no EOS stop)"),
        new("image-token-id", "ID", "placeholder id (default: the <|image|> id the config implies)"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var model = arguments.GetRequiredString("model");
        var input = arguments.GetRequiredString("input");
        var output = arguments.GetRequiredString("output");
        var generate = arguments.GetInt("generate", 1, 100_000);
        var imageTokenText = arguments.GetString("image-token-id");
        long? imageTokenId = null;
        if (imageTokenText is not null)
        {
            imageTokenId = long.TryParse(imageTokenText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && id >= 0
                ? id
                : throw new UsageException($"Option '--image-token-id' must be a non-negative integer; got '{imageTokenText}'.");
        }
        var summary = LogitsRunner.Run(model, input, output, generate, imageTokenId);
        foreach (var warning in summary.Warnings)
        {
            await console.Error.WriteLineAsync($"warning: {warning}");
        }
        var loss = summary.Loss is { } value ? string.Create(CultureInfo.InvariantCulture, $", loss {value:R}") : "";
        var generated = summary.GeneratedShape is { } shape ? $", generated [{string.Join(", ", shape)}]" : "";
        await console.Out.WriteLineAsync($"wrote {output}: logits [{string.Join(", ", summary.LogitsShape)}]{loss}{generated}");
        return CommandLine.Success;
    }
}
