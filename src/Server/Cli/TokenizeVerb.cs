using NanoVlm.Engine.Text;

namespace NanoVlm.Server.Cli;

/// <summary>`tokenize`: text → ids as a JSON array, or ids → text with --decode.</summary>
public sealed class TokenizeVerb : IVerb
{
    public string Name => "tokenize";

    public string Summary => "encode text to token ids (JSON array) or decode ids to text with a tokenizer.json";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("tokenizer", "FILE", $"tokenizer.json (plain or .gz), a folder holding one, or {BuiltInTokenizers.Gpt2Name}"),
        new("text", "TEXT", "the text to encode"),
        new("decode", "IDS", "a JSON array of ids to decode instead, e.g. [15496,995]"),
        new("skip-special", null, "with --decode: leave special tokens out of the text"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var tokenizer = arguments.GetRequiredString("tokenizer");
        var text = arguments.GetString("text");
        var ids = arguments.GetString("decode");
        if ((text is null) == (ids is null))
        {
            throw new UsageException("Give exactly one of --text TEXT (encode) or --decode IDS (decode).");
        }
        var result = ids is not null
            ? TokenizeCommand.DecodeFromJson(tokenizer, ids, arguments.Has("skip-special"))
            : TokenizeCommand.EncodeToJson(tokenizer, text!);
        await console.Out.WriteLineAsync(result);
        return CommandLine.Success;
    }
}
