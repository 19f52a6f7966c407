namespace NanoVlm.Engine.Text;

/// <summary>
/// A tokenizer with nanoVLM's 66 extra special tokens (spec §3.4): <c>&lt;|image|&gt;</c>,
/// <c>&lt;|global_image|&gt;</c>, then <c>&lt;row_r_col_c&gt;</c> for r, c in 1..8, row-major. Tokens not
/// already in the vocabulary are appended in that order from the base vocabulary size on, so for
/// SmolLM2 (49152 entries) <c>&lt;|image|&gt;</c> = 49152, <c>&lt;|global_image|&gt;</c> = 49153 and
/// <c>&lt;row_r_col_c&gt;</c> = 49154 + (r−1)·8 + (c−1). The pad token is the eos token, as nanoVLM sets.
/// </summary>
public sealed class NanoVlmTokenizer
{
    public const string ImageToken = "<|image|>";
    public const string GlobalImageToken = "<|global_image|>";

    /// <summary>SmolLM2-Instruct's eos (and so nanoVLM's pad): the ChatML end-of-turn token.</summary>
    public const string DefaultEosToken = "<|im_end|>";

    /// <summary>Largest tile grid side nanoVLM has marker tokens for.</summary>
    public const int MaxGridSide = 8;

    private NanoVlmTokenizer(HfTokenizer tokenizer, string eosToken)
    {
        Tokenizer = tokenizer;
        ImageTokenId = RequireId(tokenizer, ImageToken);
        GlobalImageTokenId = RequireId(tokenizer, GlobalImageToken);
        EosToken = eosToken;
        EosTokenId = RequireId(tokenizer, eosToken);
    }

    /// <summary>The 66 extra tokens in the order nanoVLM's config lists them.</summary>
    public static IReadOnlyList<string> ExtraTokens { get; } = BuildExtraTokens();

    /// <summary>The tokenizer with the extra tokens added.</summary>
    public HfTokenizer Tokenizer { get; }

    public int ImageTokenId { get; }

    public int GlobalImageTokenId { get; }

    public string EosToken { get; }

    public int EosTokenId { get; }

    /// <summary>nanoVLM pads with the eos token.</summary>
    public int PadTokenId => EosTokenId;

    /// <summary>
    /// Adds the extra tokens to <paramref name="baseTokenizer"/>. <paramref name="eosToken"/> names the
    /// eos token (tokenizer_config.json's eos_token; <c>&lt;|im_end|&gt;</c> for SmolLM2-Instruct).
    /// </summary>
    public static NanoVlmTokenizer Create(HfTokenizer baseTokenizer, string eosToken = DefaultEosToken) =>
        new(baseTokenizer.WithSpecialTokens(ExtraTokens), eosToken);

    /// <summary>The marker token of tile (row, col), both 1-based.</summary>
    public static string TileToken(int row, int col)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(row, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(row, MaxGridSide);
        ArgumentOutOfRangeException.ThrowIfLessThan(col, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(col, MaxGridSide);
        return $"<row_{row}_col_{col}>";
    }

    /// <summary>The id of tile (row, col)'s marker token, both 1-based.</summary>
    public int TileTokenId(int row, int col) => RequireId(Tokenizer, TileToken(row, col));

    private static List<string> BuildExtraTokens()
    {
        var tokens = new List<string>(2 + MaxGridSide * MaxGridSide) { ImageToken, GlobalImageToken };
        for (int row = 1; row <= MaxGridSide; row++)
        {
            for (int col = 1; col <= MaxGridSide; col++)
            {
                tokens.Add(TileToken(row, col));
            }
        }
        return tokens;
    }

    private static int RequireId(HfTokenizer tokenizer, string token) =>
        tokenizer.TokenToId(token) ?? throw new ArgumentException($"The tokenizer has no token '{token}'.", nameof(token));
}
