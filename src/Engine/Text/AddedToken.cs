namespace NanoVlm.Engine.Text;

/// <summary>
/// A token added on top of the BPE vocabulary (tokenizer.json "added_tokens"): it is cut out of the
/// text before BPE runs, so it is never split.
/// </summary>
/// <param name="Content">The exact text of the token.</param>
/// <param name="Special">Skipped by <c>Decode(..., skipSpecialTokens: true)</c>.</param>
/// <param name="Normalized">Matched against the normalized text (after the normalizer) instead of the raw text.</param>
/// <param name="SingleWord">Only matched when not glued to word characters on either side.</param>
/// <param name="LeftStrip">A match also swallows the whitespace before it.</param>
/// <param name="RightStrip">A match also swallows the whitespace after it.</param>
public sealed record AddedToken(
    string Content,
    bool Special,
    bool Normalized,
    bool SingleWord = false,
    bool LeftStrip = false,
    bool RightStrip = false)
{
    /// <summary>A special token as transformers adds one (<c>AddedToken(content, special=True)</c>): not normalized, no stripping.</summary>
    public static AddedToken SpecialToken(string content) => new(content, Special: true, Normalized: false);
}
