using NanoVlm.Client.Services;

namespace NanoVlm.Server.Endpoints;

/// <summary>The runs REST API (reads). Errors are RFC 7807 problem details.</summary>
public static class RunsEndpoints
{
    public static IEndpointRouteBuilder MapRunsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var runs = endpoints.MapGroup("/api/runs");
        runs.MapGet("/", (IRunQueries store) => Results.Ok(store.ListRuns()));
        runs.MapGet("/{id}", (string id, IRunQueries store) =>
            store.GetRun(id) is { } run ? Results.Ok(run) : RunNotFound(id));
        runs.MapGet("/{id}/metrics", (string id, long? after, IRunQueries store) =>
            store.GetRun(id) is null ? RunNotFound(id) : Results.Ok(store.GetMetrics(id, after ?? -1)));
        runs.MapGet("/{id}/evaluations", (string id, IRunQueries store) =>
            store.GetRun(id) is null ? RunNotFound(id) : Results.Ok(store.GetEvaluations(id)));
        runs.MapGet("/{id}/events", (string id, IRunQueries store) =>
            store.GetRun(id) is null ? RunNotFound(id) : Results.Ok(store.GetEvents(id)));
        return endpoints;
    }

    public static IResult RunNotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Run not found", detail: $"There is no run with id '{id}'. GET /api/runs lists them.");
}
