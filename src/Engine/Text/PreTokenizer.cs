namespace NanoVlm.Engine.Text;

/// <summary>
/// A tokenizer.json "pre_tokenizer": cuts each piece of text into smaller pieces (words) that BPE
/// then encodes independently. Pieces that come out empty are dropped, as in the Rust library.
/// </summary>
public abstract class PreTokenizer
{
    /// <summary>The pre-tokenizer types this loader implements.</summary>
    public const string SupportedTypes = "ByteLevel, Split, Digits, Sequence (of those)";

    /// <summary>Appends the pieces <paramref name="piece"/> splits into to <paramref name="output"/>.</summary>
    public abstract void Split(string piece, List<string> output);

    /// <summary>Applies this pre-tokenizer to every piece of <paramref name="pieces"/>.</summary>
    public List<string> SplitAll(List<string> pieces)
    {
        var output = new List<string>(pieces.Count * 2);
        foreach (string piece in pieces)
        {
            Split(piece, output);
        }
        return output;
    }
}

/// <summary>Applies pre-tokenizers in order, each to every piece the previous one produced.</summary>
public sealed class PreTokenizerSequence(IReadOnlyList<PreTokenizer> preTokenizers) : PreTokenizer
{
    public IReadOnlyList<PreTokenizer> PreTokenizers { get; } = preTokenizers;

    public override void Split(string piece, List<string> output)
    {
        var pieces = new List<string> { piece };
        foreach (PreTokenizer preTokenizer in PreTokenizers)
        {
            pieces = preTokenizer.SplitAll(pieces);
        }
        output.AddRange(pieces);
    }
}
