using System.Text;

namespace NanoVlm.Engine.Text;

/// <summary>A tokenizer.json "normalizer": rewrites text before added-token matching of normalized tokens and pre-tokenization.</summary>
public abstract class TextNormalizer
{
    /// <summary>The normalizer types this loader implements.</summary>
    public const string SupportedTypes = "NFC, NFD, NFKC, NFKD, Lowercase, Sequence (of those)";

    public abstract string Normalize(string text);
}

/// <summary>NFC / NFD / NFKC / NFKD Unicode normalization.</summary>
public sealed class UnicodeFormNormalizer(NormalizationForm form) : TextNormalizer
{
    public NormalizationForm Form { get; } = form;

    public override string Normalize(string text) => text.IsNormalized(Form) ? text : text.Normalize(Form);
}

/// <summary>
/// Lowercases every code point. Rust's <c>char::to_lowercase</c> uses the full Unicode mapping, which
/// differs from .NET's simple mapping only for U+0130 (İ → "i̇" there, "i" here).
/// </summary>
public sealed class LowercaseNormalizer : TextNormalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}

/// <summary>Applies normalizers in order.</summary>
public sealed class NormalizerSequence(IReadOnlyList<TextNormalizer> normalizers) : TextNormalizer
{
    public IReadOnlyList<TextNormalizer> Normalizers { get; } = normalizers;

    public override string Normalize(string text)
    {
        foreach (TextNormalizer normalizer in Normalizers)
        {
            text = normalizer.Normalize(text);
        }
        return text;
    }
}
