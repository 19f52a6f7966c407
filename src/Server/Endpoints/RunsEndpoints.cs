using NanoVlm.Client.Services;

namespace NanoVlm.Server.Endpoints;

/// <summary>
/// The runs REST API. Errors are RFC 7807 problem details; the run configuration is read strictly (see <see cref="JsonBody"/>).
/// </summary>
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
        runs.MapGet("/{id}/headroom", (string id, IRunQueries store) =>
            store.GetRun(id) is null ? RunNotFound(id) : Results.Ok(store.GetHeadroom(id)));
        runs.MapPost("/", async (HttpContext context, IRunLauncher launcher) =>
        {
            var body = await JsonBody.ReadAsync(context, "the run settings");
            if (body.Problem is { } refused) return refused;
            var (settings, problems) = RunSettingsJson.Read(body.Bytes);
            if (settings is null) return SettingsProblem(problems);
            var request = settings.ApplyTo(DefaultsOf(settings, launcher));
            var errors = launcher.Validate(request);
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The run configuration is not valid", detail: "Fix the fields listed in errors and submit again.");
            }
            var run = launcher.Start(request);
            return Results.Created($"/api/runs/{run.Id}", run);
        });
        runs.MapPost("/{id}/cancel", (string id, IRunLauncher launcher, IRunQueries store) =>
            store.GetRun(id) is null ? RunNotFound(id)
            : launcher.Cancel(id) ? Results.Accepted($"/api/runs/{id}")
            : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Run is not active", detail: $"Run '{id}' is neither queued nor running."));
        runs.MapPost("/{id}/resume", (string id, string? precision, bool? halveBatch, IRunLauncher launcher, IRunQueries store) =>
        {
            if (store.GetRun(id) is null) return RunNotFound(id);
            try
            {
                return Results.Accepted($"/api/runs/{id}", launcher.ResumeRun(id, precision, halveBatch ?? false));
            }
            catch (ArgumentException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown precision", detail: e.Message);
            }
            catch (InvalidOperationException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Run cannot be resumed", detail: e.Message);
            }
        });
        return endpoints;
    }

    /// <summary>The preset a body that names none starts from.</summary>
    public const string DefaultPreset = "tiny";

    /// <summary>
    /// What fields left out take, as in the form: the named preset's values; for a run from existing weights that names
    /// no preset, its parent's settings or the nearest nanoVLM preset's (weights that cannot be used are reported by
    /// the validation that follows, under init).
    /// </summary>
    private static RunRequest DefaultsOf(RunSettings settings, IRunLauncher launcher)
    {
        if (settings.Preset is null && settings.Init is { } init)
        {
            try
            {
                return launcher.DefaultsForInit(init);
            }
            catch (ArgumentException)
            {
                // The validation below names the problem under init.
            }
        }
        return launcher.DefaultsFor(settings.Preset ?? DefaultPreset);
    }

    /// <summary>400 listing every problem of a run settings body; unknown fields are also listed by name in <c>unknownFields</c>.</summary>
    private static IResult SettingsProblem(IReadOnlyList<RunSettingsProblem> problems)
    {
        var unknown = problems.Where(p => p.UnknownField is not null).Select(p => p.UnknownField!).ToArray();
        var errors = problems.Where(p => p.Field is not null).GroupBy(p => p.Field!).ToDictionary(g => g.Key, g => g.Select(p => p.ToString()).ToArray());
        var extensions = new Dictionary<string, object?>();
        if (unknown.Length > 0) extensions["unknownFields"] = unknown;
        if (errors.Count > 0) extensions["errors"] = errors;
        return Results.Problem(statusCode: StatusCodes.Status400BadRequest,
            title: unknown.Length > 0 ? "Unknown fields" : "The run settings cannot be read",
            detail: string.Join(" ", problems.Select(p => p.ToString())) + " See docs/run-settings.md for the format.",
            extensions: extensions);
    }

    public static IResult RunNotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Run not found", detail: $"There is no run with id '{id}'. GET /api/runs lists them.");
}
