namespace NanoVlm.Engine.Data;

/// <summary>
/// A data-set path that cannot be read as any (or the requested) format. The message lists what was
/// looked for and what was found, so the user can fix the path or pass <c>--format</c>.
/// </summary>
public sealed class DatasetFormatException(string message, Exception? inner = null) : Exception(message, inner);
