using System.Text.Json;

namespace NanoVlm.Engine.Text;

/// <summary>
/// The logic of the CLI verb <c>tokenize --tokenizer FILE --text TEXT</c> (prints ids as a JSON array)
/// and <c>tokenize --tokenizer FILE --decode "[ids]"</c>. FILE is a tokenizer.json (plain or gzip), a
/// folder holding one, or <see cref="BuiltInTokenizers.Gpt2Name"/>. Argument parsing lives with the CLI.
/// </summary>
public static class TokenizeCommand
{
    /// <summary>Text → ids, with added tokens matched and no template tokens added.</summary>
    public static int[] Encode(string tokenizer, string text) => Load(tokenizer).Encode(text);

    /// <summary>Ids → text.</summary>
    public static string Decode(string tokenizer, IEnumerable<int> ids, bool skipSpecialTokens = false) =>
        Load(tokenizer).Decode(ids, skipSpecialTokens);

    /// <summary>Text → ids as a JSON array, e.g. <c>[15496,995]</c>: what the verb prints.</summary>
    public static string EncodeToJson(string tokenizer, string text) => JsonSerializer.Serialize(Encode(tokenizer, text));

    /// <summary>A JSON array of ids (what <c>--decode</c> takes) → text.</summary>
    public static string DecodeFromJson(string tokenizer, string idsJson, bool skipSpecialTokens = false)
    {
        int[] ids;
        try
        {
            ids = JsonSerializer.Deserialize<int[]>(idsJson) ?? [];
        }
        catch (JsonException e)
        {
            throw new FormatException($"Expected a JSON array of integer ids such as [15496,995], got '{idsJson}'.", e);
        }
        return Decode(tokenizer, ids, skipSpecialTokens);
    }

    private static HfTokenizer Load(string tokenizer) =>
        tokenizer == BuiltInTokenizers.Gpt2Name
            ? BuiltInTokenizers.NanoVlmGpt2().Tokenizer
            : HfTokenizer.FromFile(tokenizer);
}
