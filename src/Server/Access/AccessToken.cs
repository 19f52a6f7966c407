using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Access;

/// <summary>The configured access token, compared in constant time.</summary>
public sealed class AccessToken
{
    private readonly byte[]? _hash;

    public AccessToken(IOptions<AccessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var token = options.Value.Token ?? "";
        if (token.Length > 0)
        {
            _hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
            // Names the token without revealing it, so a cookie issued under an old token stops working.
            Fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("nanovlm-session:" + token)))[..32];
        }
    }

    /// <summary>False when no token is set: the dashboard is open (and then listens on loopback only).</summary>
    public bool IsConfigured => _hash is not null;

    public string Fingerprint { get; } = "";

    /// <summary>
    /// Whether <paramref name="presented"/> is the token. Both sides are hashed first, so the comparison takes the
    /// same time whatever the length or the first wrong character of the guess.
    /// </summary>
    public bool Matches(string? presented)
    {
        if (_hash is null || string.IsNullOrEmpty(presented)) return false;
        return CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }
}
