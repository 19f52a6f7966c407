namespace NanoVlm.Server.Access;

/// <summary>
/// The "Access" configuration section. With an empty <see cref="Token"/> the dashboard is open, which the start-up
/// check allows only while it listens on loopback; with a token, the UI, the API and the hub all require it.
/// </summary>
public sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>Short tokens can be guessed despite the rate limit; 16 characters of a random hex string is 64 bits.</summary>
    public const int MinimumTokenLength = 16;

    /// <summary>The shared secret (also <c>Access__Token</c> in the environment or <c>--Access:Token=</c>).</summary>
    public string Token { get; set; } = "";

    /// <summary>Wrong tokens a client address may present per window before it is refused with 429.</summary>
    public int MaxFailedAttempts { get; set; } = 10;

    /// <summary>The window, in seconds, over which failed attempts are counted.</summary>
    public int FailedAttemptWindowSeconds { get; set; } = 60;

    /// <summary>How long the sign-in cookie lasts (renewed while the dashboard is in use).</summary>
    public int SessionHours { get; set; } = 24 * 7;
}
