namespace NanoVlm.Server.Access;

/// <summary>The access settings do not allow the server to start; the message says what to change.</summary>
public sealed class AccessConfigurationException(string message) : Exception(message);
