using System.Reflection;

namespace NanoVlm.Engine.Text;

/// <summary>
/// Offline tokenizers shipped inside the engine, for models trained from scratch. The GPT-2 byte-level
/// BPE (tokenizer.json from the GPT-2 release, MIT licence, see Resources/gpt2.LICENSE.txt) is an
/// embedded resource, so nothing is downloaded.
/// </summary>
/// <remarks>
/// Ids are fixed and covered by tests:
/// <list type="bullet">
/// <item>GPT-2 base vocabulary: 0..50255, <c>&lt;|endoftext|&gt;</c> = 50256 (50257 entries).</item>
/// <item><see cref="Gpt2ChatMl"/>: <c>&lt;|im_start|&gt;</c> = 50257, <c>&lt;|im_end|&gt;</c> = 50258.</item>
/// <item><see cref="NanoVlmGpt2"/>: then <c>&lt;|image|&gt;</c> = 50259, <c>&lt;|global_image|&gt;</c> = 50260,
/// <c>&lt;row_r_col_c&gt;</c> = 50261 + (r−1)·8 + (c−1) (… <c>&lt;row_8_col_8&gt;</c> = 50324); eos = pad =
/// <c>&lt;|im_end|&gt;</c> = 50258; 50325 ids in all.</item>
/// </list>
/// </remarks>
public static class BuiltInTokenizers
{
    /// <summary>The name <see cref="TokenizeCommand"/> accepts instead of a file for <see cref="NanoVlmGpt2"/>.</summary>
    public const string Gpt2Name = "builtin:gpt2";

    private const string Gpt2ResourceName = "NanoVlm.Engine.Text.Resources.gpt2.tokenizer.json.gz";

    private static readonly Lazy<HfTokenizer> Gpt2Lazy = new(LoadGpt2);
    private static readonly Lazy<HfTokenizer> Gpt2ChatMlLazy = new(() =>
        Gpt2Lazy.Value.WithSpecialTokens([ChatMlTemplate.StartToken, ChatMlTemplate.EndToken]));
    private static readonly Lazy<NanoVlmTokenizer> NanoVlmGpt2Lazy = new(() =>
        NanoVlmTokenizer.Create(Gpt2ChatMlLazy.Value, ChatMlTemplate.EndToken));

    /// <summary>GPT-2's tokenizer exactly as released (same ids as Hugging Face's "gpt2").</summary>
    public static HfTokenizer Gpt2() => Gpt2Lazy.Value;

    /// <summary>GPT-2 plus the ChatML special tokens <c>&lt;|im_start|&gt;</c> and <c>&lt;|im_end|&gt;</c>.</summary>
    public static HfTokenizer Gpt2ChatMl() => Gpt2ChatMlLazy.Value;

    /// <summary>GPT-2 plus ChatML plus nanoVLM's 66 image tokens; eos = pad = <c>&lt;|im_end|&gt;</c>.</summary>
    public static NanoVlmTokenizer NanoVlmGpt2() => NanoVlmGpt2Lazy.Value;

    private static HfTokenizer LoadGpt2()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Gpt2ResourceName)
            ?? throw new InvalidOperationException($"The engine assembly lacks its embedded resource '{Gpt2ResourceName}'.");
        return HfTokenizer.FromStream(stream);
    }
}
