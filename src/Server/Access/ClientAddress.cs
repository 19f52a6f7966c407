namespace NanoVlm.Server.Access;

/// <summary>
/// The client's address as the failed-attempt limit counts it: the connection's remote IP. Forwarded-for headers are
/// not trusted (anyone can send them), so behind a reverse proxy all clients share the proxy's allowance.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ip = context.Connection.RemoteIpAddress;
        if (ip is null) return "unknown";
        return (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
    }
}
