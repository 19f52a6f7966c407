using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Checkpoints.Sources;

/// <summary>Where a model's tokenizer was found.</summary>
public enum TokenizerOrigin
{
    /// <summary>Named by the caller (<c>--tokenizer</c>).</summary>
    Explicit,

    /// <summary><c>tokenizer.json</c> beside the model's <c>config.json</c>.</summary>
    ModelFolder,

    /// <summary>The language backbone's tokenizer, copied beside the weights when the model was imported.</summary>
    RecordedAtImport,

    /// <summary><c>tokenizer.json</c> in the folder of the run the checkpoint belongs to.</summary>
    RunFolder,

    /// <summary>The engine's built-in GPT-2 + ChatML tokenizer, whose ids models trained from scratch here use.</summary>
    BuiltIn,
}

/// <summary>The tokenizer a model's ids belong to, loaded (nanoVLM's extra tokens added) and checked against its vocabulary.</summary>
/// <param name="File">the tokenizer.json (full path); null for <see cref="TokenizerOrigin.BuiltIn"/></param>
/// <param name="Description">for people: "tokenizer.json beside the model", "the built-in GPT-2 tokenizer"...</param>
public sealed record TokenizerChoice(TokenizerOrigin Origin, string? File, NanoVlmTokenizer Tokenizer, string Description);
