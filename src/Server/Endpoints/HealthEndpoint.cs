using NanoVlm.Server.Access;
using NanoVlm.Server.Engine;

namespace NanoVlm.Server.Endpoints;

/// <summary>
/// GET /healthz: liveness plus what the engine runs on, for monitors and support requests. With an access token
/// set, callers without it get only the status.
/// </summary>
public static class HealthEndpoint
{
    public sealed record HealthReport(string Status, string Device, int Threads, string TorchSharp, string LibTorch, string Precisions);

    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", (HttpContext context, EngineRuntime engine, AccessToken access) =>
        {
            // When the server is exposed, strangers learn only that it is up, not what it runs on.
            if (access.IsConfigured && context.User.Identity?.IsAuthenticated != true)
            {
                return Results.Ok(new { status = "ok" });
            }
            var info = engine.Info;
            return Results.Ok(new HealthReport("ok", info.Device, info.Threads, info.TorchSharpVersion, info.LibTorchVersion, engine.Precisions.DescribeSupport()));
        });
        return endpoints;
    }
}
