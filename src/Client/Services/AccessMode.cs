namespace NanoVlm.Client.Services;

/// <summary>
/// Whether visitors must sign in (the server has an access token); the server registers one. Only then does the app
/// bar offer Sign out: without a token there is no session to end.
/// </summary>
public sealed record AccessMode(bool SignInRequired);
