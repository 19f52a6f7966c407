namespace NanoVlm.Engine.Data;

/// <summary>An image a sample refers to could not be read; the message says which and why.</summary>
public sealed class ImageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
