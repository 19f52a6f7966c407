using System.Net;

namespace NanoVlm.Server.Access;

/// <summary>
/// The addresses the configuration asks Kestrel to listen on, and whether each is reachable only from this machine.
/// Reads the same keys Kestrel does: <c>urls</c> (appsettings <c>Urls</c>, <c>--urls</c>, <c>ASPNETCORE_URLS</c>),
/// <c>http_ports</c>/<c>https_ports</c> (used when no urls are set) and <c>Kestrel:Endpoints:*:Url</c>.
/// </summary>
public static class ListenAddresses
{
    public static IReadOnlyList<string> From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var addresses = new List<string>();
        var urls = configuration["urls"];
        if (!string.IsNullOrWhiteSpace(urls))
        {
            addresses.AddRange(Split(urls));
        }
        else
        {
            // Kestrel turns bare ports into "every interface" addresses.
            addresses.AddRange(Split(configuration["http_ports"]).Select(port => $"http://*:{port}"));
            addresses.AddRange(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"));
        }
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url) addresses.Add(url.Trim());
        }
        return addresses;
    }

    /// <summary>
    /// Loopback IPs and "localhost" stay on this machine, as do Unix sockets. Wildcards (<c>*</c>, <c>+</c>,
    /// <c>0.0.0.0</c>, <c>[::]</c>), other IPs and other host names (Kestrel binds those to every interface) do not;
    /// so does anything that cannot be read, to err on the safe side.
    /// </summary>
    public static bool IsLoopback(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var schemeEnd = address.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0) return false;
        var rest = address[(schemeEnd + 3)..];
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase)) return true;
        var hostEnd = rest.IndexOfAny(['/', '?', '#']);
        var authority = hostEnd < 0 ? rest : rest[..hostEnd];
        string host;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            host = authority[1..close];
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    private static string[] Split(string? list) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
