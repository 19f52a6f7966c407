namespace NanoVlm.Server.Storage;

/// <summary>A user-supplied path outside the configured roots; the message names the path, the roots and how to add one.</summary>
public sealed class PathNotAllowedException(string message) : Exception(message);
