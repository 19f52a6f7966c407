using NanoVlm.Server.Services;

namespace NanoVlm.Server.Endpoints;

/// <summary>GET /healthz: liveness plus what the engine runs on, for monitors and support requests.</summary>
public static class HealthEndpoint
{
    public sealed record HealthReport(string Status, string Device, int Threads, string TorchSharp, string LibTorch, string Precisions);

    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", (EngineRuntime engine) =>
        {
            var info = engine.Info;
            return Results.Ok(new HealthReport("ok", info.Device, info.Threads, info.TorchSharpVersion, info.LibTorchVersion, PrecisionSupport.Describe(info)));
        });
        return endpoints;
    }
}
