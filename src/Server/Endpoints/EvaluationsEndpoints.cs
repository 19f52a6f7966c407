using NanoVlm.Client.Services;

namespace NanoVlm.Server.Endpoints;

/// <summary>
/// Batch evaluation over HTTP: <c>POST /api/evaluations</c> starts one (202 with its summary), <c>GET
/// /api/evaluations/{id}</c> tells its progress and results, <c>POST /api/evaluations/{id}/cancel</c> stops it.
/// Errors are problem details saying what is wrong.
/// </summary>
public static class EvaluationsEndpoints
{
    /// <summary>An evaluation and its answered questions.</summary>
    public sealed record EvaluationResponse(BatchEvaluationSummary Evaluation, IReadOnlyList<QuestionResponse> Questions);

    /// <summary>An answered question; the page thumbnail only when asked for (it is a data URL of several kB).</summary>
    public sealed record QuestionResponse(int Index, string SampleId, string Question, string Answer, IReadOnlyList<string> ExpectedAnswers,
        IReadOnlyList<string> QuestionTypes, double Anls, double MsTotal, string? Thumbnail);

    public sealed record DatasetsResponse(string Folder, IReadOnlyList<DatasetChoice> Datasets);

    public static IEndpointRouteBuilder MapEvaluationsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var evaluations = endpoints.MapGroup("/api/evaluations");
        evaluations.MapGet("/", (IBatchEvaluations service) => Results.Ok(service.List()));
        evaluations.MapGet("/datasets", (IBatchEvaluations service) => Results.Ok(new DatasetsResponse(service.DatasetsFolder, service.Datasets())));
        evaluations.MapPost("/", (BatchEvaluationRequest request, IBatchEvaluations service) =>
        {
            try
            {
                var started = service.Start(request);
                return Results.Accepted($"/api/evaluations/{started.Id}", started);
            }
            catch (PlaygroundException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The evaluation cannot start", detail: e.Message);
            }
        }).DisableAntiforgery();
        evaluations.MapGet("/{id}", (string id, bool? thumbnails, IBatchEvaluations service) =>
            service.Find(id) is { } summary
                ? Results.Ok(new EvaluationResponse(summary, [.. service.Questions(id).Select(q => ToResponse(q, thumbnails ?? false))]))
                : NotFound(id));
        evaluations.MapPost("/{id}/cancel", (string id, IBatchEvaluations service) =>
            service.Find(id) is null ? NotFound(id)
            : service.Cancel(id) ? Results.Accepted($"/api/evaluations/{id}", service.Find(id))
            : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Evaluation is not active",
                detail: $"Evaluation '{id}' has already ended ({service.Find(id)!.Status}).")).DisableAntiforgery();
        return endpoints;
    }

    private static QuestionResponse ToResponse(BatchQuestionResult q, bool thumbnails) =>
        new(q.Index, q.SampleId, q.Question, q.Answer, q.ExpectedAnswers, q.QuestionTypes, q.Anls, q.MsTotal, thumbnails ? q.ThumbnailDataUrl : null);

    private static IResult NotFound(string id) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Evaluation not found",
        detail: $"There is no batch evaluation with id '{id}'. GET /api/evaluations lists them.");
}
