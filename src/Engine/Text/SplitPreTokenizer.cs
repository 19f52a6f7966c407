using System.Text.RegularExpressions;

namespace NanoVlm.Engine.Text;

/// <summary>
/// tokenizer.json "Split": cuts pieces where a regex (or a literal string) matches, e.g. the
/// Llama-3 / Qwen2 word pattern with behavior "Isolated".
/// </summary>
public sealed class SplitPreTokenizer : PreTokenizer
{
    private readonly CodePointRegex _regex;

    public SplitPreTokenizer(CodePointRegex regex, SplitDelimiterBehavior behavior, bool invert)
    {
        _regex = regex;
        Behavior = behavior;
        Invert = invert;
    }

    /// <summary>A Split on a literal string (tokenizer.json <c>{"String": "..."}</c>).</summary>
    public static SplitPreTokenizer ForLiteral(string literal, SplitDelimiterBehavior behavior, bool invert) =>
        new(new CodePointRegex(Regex.Escape(literal)), behavior, invert);

    public string Pattern => _regex.Pattern;

    public SplitDelimiterBehavior Behavior { get; }

    public bool Invert { get; }

    public override void Split(string piece, List<string> output) =>
        DelimiterSplitter.Split(piece, _regex.Matches(piece), Behavior, Invert, output);
}
