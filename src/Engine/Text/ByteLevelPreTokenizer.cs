namespace NanoVlm.Engine.Text;

/// <summary>
/// tokenizer.json "ByteLevel" pre-tokenizer: optionally prefixes a space, optionally splits with
/// GPT-2's word pattern, then spells every UTF-8 byte of each piece with its
/// <see cref="ByteLevelAlphabet"/> character. This is the step that makes BPE byte-level.
/// </summary>
public sealed class ByteLevelPreTokenizer : PreTokenizer
{
    /// <summary>GPT-2's pattern, which the Rust library hard-codes for <c>use_regex: true</c>.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly CodePointRegex Gpt2Regex = new(Gpt2Pattern);

    public ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex)
    {
        AddPrefixSpace = addPrefixSpace;
        UseRegex = useRegex;
    }

    public bool AddPrefixSpace { get; }

    public bool UseRegex { get; }

    public override void Split(string piece, List<string> output)
    {
        // The Rust library prefixes every piece that reaches this step, not only the first one.
        if (AddPrefixSpace && !piece.StartsWith(' '))
        {
            piece = " " + piece;
        }
        if (!UseRegex)
        {
            output.Add(ByteLevelAlphabet.Encode(piece));
            return;
        }
        var words = new List<string>();
        DelimiterSplitter.Split(piece, Gpt2Regex.Matches(piece), SplitDelimiterBehavior.Isolated, invert: false, words);
        foreach (string word in words)
        {
            output.Add(ByteLevelAlphabet.Encode(word));
        }
    }
}
