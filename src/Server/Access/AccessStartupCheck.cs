namespace NanoVlm.Server.Access;

/// <summary>
/// Decides before the server listens whether its access settings are safe: a token, when set, must be usable, and
/// listening anywhere other machines can reach requires one.
/// </summary>
public static class AccessStartupCheck
{
    /// <summary>How to set a token; also said to requests the loopback guard refuses.</summary>
    internal const string HowToSet =
        "Set one of at least 16 characters in the environment (export Access__Token=$(openssl rand -hex 24)), " +
        "on the command line (--Access:Token=...) or in appsettings.json (\"Access\": { \"Token\": \"...\" })";

    /// <summary>Why the server must not start, or null when it may.</summary>
    public static string? Problem(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var token = configuration[$"{AccessOptions.Section}:{nameof(AccessOptions.Token)}"] ?? "";
        if (token.Length > 0 && TokenProblem(token) is { } tokenProblem)
        {
            return tokenProblem;
        }
        var exposed = ListenAddresses.From(configuration).Where(a => !ListenAddresses.IsLoopback(a)).ToList();
        if (exposed.Count > 0 && token.Length == 0)
        {
            return $"The server is set to listen on {string.Join(", ", exposed)}, which other machines can reach, but no access token is set. " +
                $"{HowToSet}; or listen on this machine only with --urls http://127.0.0.1:5080.";
        }
        return null;
    }

    /// <summary>Throws <see cref="AccessConfigurationException"/> with <see cref="Problem"/>'s message.</summary>
    public static void Ensure(IConfiguration configuration)
    {
        if (Problem(configuration) is { } problem) throw new AccessConfigurationException(problem);
    }

    private static string? TokenProblem(string token)
    {
        if (token.Length < AccessOptions.MinimumTokenLength)
        {
            return $"The access token (Access:Token) is {token.Length} characters long; it must have at least {AccessOptions.MinimumTokenLength}. " +
                "Generate one with `openssl rand -hex 24`.";
        }
        // The token travels in an Authorization header, a query string and a form: keep it to visible ASCII.
        if (token.Any(c => c <= ' ' || c > '~'))
        {
            return "The access token (Access:Token) contains spaces, control or non-ASCII characters; use letters, digits and punctuation " +
                "(`openssl rand -hex 24` makes a good one).";
        }
        return null;
    }
}
