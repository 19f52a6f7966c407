using System.Net;

namespace NanoVlm.Server.Access;

/// <summary>
/// Without an access token the dashboard answers this machine only. <see cref="AccessStartupCheck"/> refuses to start
/// on a configured address other machines can reach; this guard covers what configuration does not show (an address
/// set in code, a container's port mapping onto a wildcard bind) connection by connection: a request that arrived on
/// a non-loopback local address is refused with 403 and told how to allow it. Connections without an IP address
/// (Unix sockets, the in-process test host) are local by nature and pass.
/// </summary>
public sealed class LoopbackGuardMiddleware(RequestDelegate next, AccessToken token, ILogger<LoopbackGuardMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var local = context.Connection.LocalIpAddress;
        if (token.IsConfigured || local is null || IsLoopback(local))
        {
            await next(context);
            return;
        }
        logger.RefusedRemoteWithoutToken(ClientAddress.Of(context), local.ToString(), context.Request.Path);
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "This dashboard only answers its own machine",
            detail: $"No access token is set, so requests from other machines are refused. {AccessStartupCheck.HowToSet}, and restart to allow them.")
            .ExecuteAsync(context);
    }

    private static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
