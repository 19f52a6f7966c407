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
public sealed record TokenizerChoice(TokenizerOrigin Origin, string? File, NanoVlmTokenizer Tokenizer, string Description)
{
    /// <summary>
    /// Copies the tokenizer.json into <paramref name="folder"/> (a new run's folder), so that the run's checkpoints
    /// resolve to it (<see cref="TokenizerOrigin.RunFolder"/>) wherever the model came from. Nothing is written for the
    /// built-in tokenizer, which needs no file. Returns the copy's path, or null.
    /// </summary>
    public string? WriteBeside(string folder)
    {
        if (File is null) return null;
        Directory.CreateDirectory(folder);
        var copy = Path.Combine(folder, ModelSourceResolver.TokenizerFileName);
        if (!string.Equals(Path.GetFullPath(copy), Path.GetFullPath(File), StringComparison.Ordinal))
            System.IO.File.Copy(File, copy, overwrite: true);
        return copy;
    }
}
