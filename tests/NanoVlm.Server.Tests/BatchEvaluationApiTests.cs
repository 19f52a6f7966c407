using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Evaluation;
using NanoVlm.Server.Endpoints;

namespace NanoVlm.Server.Tests;

/// <summary>
/// Batch evaluation through the real server: the tiny preset (random weights, so ANLS is near 0) on small generated
/// DocVQA sets. What is checked is the bookkeeping: every question scored with the real ANLS against its answers,
/// progress, stopping, persistence and the refusals.
/// </summary>
public sealed class BatchEvaluationApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [Fact]
    public async Task ASyntheticSetIsGeneratedUnderTheDataFolderAndEveryQuestionIsScoredWithAnls()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/evaluations", new BatchEvaluationRequest { Data = "synthetic:easy", Model = "tiny", Limit = 4, MaxNewTokens = 4 });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var started = (await response.Content.ReadFromJsonAsync<BatchEvaluationSummary>(Json))!;
        Assert.Equal($"/api/evaluations/{started.Id}", response.Headers.Location?.OriginalString);

        var finished = await WaitForEndAsync(client, started.Id);
        Assert.Equal(BatchEvaluationStatus.Completed, finished.Evaluation.Status);
        Assert.Equal("preset:tiny", finished.Evaluation.ModelId);
        Assert.StartsWith(Path.Combine(factory.DataDir, "datasets", "synthetic-easy-val-4q"), finished.Evaluation.DataPath, StringComparison.Ordinal);
        Assert.Equal(4, finished.Evaluation.Total);
        Assert.Equal(4, finished.Evaluation.Done);
        Assert.Equal([0, 1, 2, 3], finished.Questions.Select(q => q.Index));
        foreach (var question in finished.Questions)
        {
            Assert.NotEmpty(question.ExpectedAnswers);
            Assert.NotEmpty(question.QuestionTypes);
            Assert.Equal(Anls.Score(question.Answer, question.ExpectedAnswers), question.Anls, 12);
            Assert.Null(question.Thumbnail);
        }
        Assert.Equal(finished.Questions.Average(q => q.Anls), finished.Evaluation.Anls, 12);
        // Per type: each question counts under each of its types.
        var types = finished.Questions.SelectMany(q => q.QuestionTypes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        Assert.Equal(types, finished.Evaluation.ByQuestionType.Select(t => t.Type));
        foreach (var type in finished.Evaluation.ByQuestionType)
        {
            var ofType = finished.Questions.Where(q => q.QuestionTypes.Contains(type.Type)).ToList();
            Assert.Equal(ofType.Count, type.Questions);
            Assert.Equal(ofType.Average(q => q.Anls), type.Anls, 12);
        }

        var withThumbnails = await client.GetFromJsonAsync<EvaluationsEndpoints.EvaluationResponse>($"/api/evaluations/{started.Id}?thumbnails=true", Json);
        Assert.All(withThumbnails!.Questions, q => Assert.StartsWith("data:image/png;base64,", q.Thumbnail, StringComparison.Ordinal));
        var listed = await client.GetFromJsonAsync<List<BatchEvaluationSummary>>("/api/evaluations", Json);
        Assert.Contains(listed!, e => e.Id == started.Id && e.Status == BatchEvaluationStatus.Completed);
    }

    [Fact]
    public async Task ADataSetInTheDatasetsFolderIsListedAndEvaluatedByItsRelativePath()
    {
        var folder = Path.Combine(factory.DataDir, "datasets", "my-docvqa");
        SyntheticDatasetWriter.Write(new MakeSyntheticRequest(folder, Count: 1, Seed: 7, SyntheticDifficulty.Medium, SyntheticSplit.Val, Overwrite: true));
        using var client = factory.CreateClient();
        var datasets = await client.GetFromJsonAsync<EvaluationsEndpoints.DatasetsResponse>("/api/evaluations/datasets", Json);
        Assert.Contains(datasets!.Datasets, d => d.Path.StartsWith(folder, StringComparison.Ordinal) && d.Format == "docvqa");

        var finished = await WaitForEndAsync(client, await StartAsync(client, new BatchEvaluationRequest { Data = "datasets/my-docvqa", Model = "preset:tiny", MaxNewTokens = 3 }));
        Assert.Equal(BatchEvaluationStatus.Completed, finished.Evaluation.Status);
        Assert.Equal(SyntheticDocVqaGenerator.MediumQuestionsPerDocument, finished.Evaluation.Done);
    }

    [Fact]
    public async Task UnusableRowsAreSkippedWithTheirReasonsAndTheRestIsScored()
    {
        var folder = Path.Combine(factory.DataDir, "datasets", "mixed-jsonl");
        Directory.CreateDirectory(folder);
        var page = new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, 3).Generate(SyntheticSplit.Val, 0);
        await File.WriteAllBytesAsync(Path.Combine(folder, "good.png"), page.EncodePng());
        await File.WriteAllTextAsync(Path.Combine(folder, "corrupt.png"), "these bytes are not a picture");
        await File.WriteAllLinesAsync(Path.Combine(folder, "val.jsonl"),
        [
            """{"image": "good.png", "question": "What colour is the header?", "answers": ["red", "crimson"], "question_types": ["layout"]}""",
            """{"image": "corrupt.png", "question": "What is the total?", "answers": ["12"]}""",
            """{"image": "good.png", "question": "Who signed?", "answers": []}""",
            """{"image": "missing.png", "question": "What date?", "answers": ["today"]}""",
        ]);
        using var client = factory.CreateClient();
        var finished = await WaitForEndAsync(client, await StartAsync(client, new BatchEvaluationRequest { Data = folder, Model = "tiny", MaxNewTokens = 3 }));

        Assert.Equal(BatchEvaluationStatus.Completed, finished.Evaluation.Status);
        Assert.Equal("jsonl", finished.Evaluation.Format);
        var question = Assert.Single(finished.Questions);
        Assert.Equal(["red", "crimson"], question.ExpectedAnswers);
        Assert.Equal(Anls.Score(question.Answer, ["red", "crimson"]), question.Anls, 12);
        // The undecodable image is found only when it is read, and then leaves the total.
        Assert.Equal(1, finished.Evaluation.Total);
        Assert.Equal(1, finished.Evaluation.Done);
        Assert.Equal(3, finished.Evaluation.Skipped);
        Assert.Equal(3, finished.Evaluation.SkipReasons.Count);
        Assert.Contains(finished.Evaluation.SkipReasons, r => r.Contains("no ground-truth answers", StringComparison.Ordinal));
        Assert.Contains(finished.Evaluation.SkipReasons, r => r.Contains("missing.png", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ImagesOutsideTheDataFoldersAreNotReadEvenWhenTheDataSetNamesThem()
    {
        var folder = Path.Combine(factory.DataDir, "datasets", "escaping-jsonl");
        Directory.CreateDirectory(folder);
        var page = new SyntheticDocVqaGenerator(SyntheticDifficulty.Easy, 4).Generate(SyntheticSplit.Val, 0);
        await File.WriteAllBytesAsync(Path.Combine(folder, "inside.png"), page.EncodePng());
        var outside = Path.Combine(Path.GetTempPath(), $"nanovlm-outside-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(outside, page.EncodePng());
        try
        {
            await File.WriteAllLinesAsync(Path.Combine(folder, "val.jsonl"),
            [
                """{"image": "inside.png", "question": "What colour is the header?", "answers": ["red"]}""",
                $$"""{"image": "{{outside}}", "question": "What colour is the logo?", "answers": ["blue"]}""",
                """{"image": "../../../../../../../../etc/hostname.png", "question": "What kind of document is this?", "answers": ["letter"]}""",
            ]);
            using var client = factory.CreateClient();
            var finished = await WaitForEndAsync(client, await StartAsync(client, new BatchEvaluationRequest { Data = folder, Model = "tiny", MaxNewTokens = 3 }));

            Assert.Equal(BatchEvaluationStatus.Completed, finished.Evaluation.Status);
            Assert.Equal("What colour is the header?", Assert.Single(finished.Questions).Question);
            Assert.Equal(2, finished.Evaluation.Skipped);
            Assert.Contains(finished.Evaluation.SkipReasons, r => r.Contains(outside, StringComparison.Ordinal)
                && r.Contains("outside the folders this server may read datasets from", StringComparison.Ordinal));
            // A relative path that climbs out is refused for its '..' or, when it does not exist, as not found.
            Assert.Contains(finished.Evaluation.SkipReasons, r => r.Contains("hostname.png", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task ProgressIsPublishedQuestionByQuestion()
    {
        var service = factory.Services.GetRequiredService<IBatchEvaluations>();
        var updates = new List<BatchEvaluationUpdate>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = service.Start(new BatchEvaluationRequest { Data = "synthetic:easy", Model = "tiny", Limit = 3, MaxNewTokens = 2 });
        using (service.Subscribe(started.Id, update =>
        {
            lock (updates)
            {
                updates.Add(update);
            }
            if (!update.Summary.IsActive) ended.TrySetResult();
        }))
        {
            // The evaluation may have ended before the subscription: then its stored summary says so.
            if (service.Find(started.Id) is { IsActive: false }) ended.TrySetResult();
            await ended.Task.WaitAsync(Patience);
        }
        var final = service.Find(started.Id)!;
        Assert.Equal(BatchEvaluationStatus.Completed, final.Status);
        List<BatchEvaluationUpdate> seen;
        lock (updates)
        {
            seen = [.. updates];
        }
        var answered = seen.Where(u => u.Question is not null).ToList();
        // Each question's update carries the running count and the question itself, in order.
        Assert.All(answered, u => Assert.Equal(u.Summary.Done - 1, u.Question!.Index));
        Assert.Equal(answered.Select(u => u.Question!.Index).Order(), answered.Select(u => u.Question!.Index));
        Assert.Equal(3, service.Questions(started.Id).Count);
    }

    [Fact]
    public async Task StopKeepsTheAnsweredQuestionsAndSingleQuestionsAreAnsweredMeanwhile()
    {
        using var client = factory.CreateClient();
        var id = await StartAsync(client, new BatchEvaluationRequest { Data = "synthetic:easy", Model = "tiny", Limit = 600, MaxNewTokens = 64 });
        await WaitUntilAsync(client, id, e => e.Evaluation.Done >= 1);

        // A playground question goes through the same inference thread; it waits for one evaluation question, not all 600.
        using var ask = await client.PostAsync("/api/ask", AskForm());
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        var during = await client.GetFromJsonAsync<EvaluationsEndpoints.EvaluationResponse>($"/api/evaluations/{id}", Json);
        Assert.Equal(BatchEvaluationStatus.Running, during!.Evaluation.Status);

        using var cancel = await client.PostAsync($"/api/evaluations/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var stopped = await WaitForEndAsync(client, id);
        Assert.Equal(BatchEvaluationStatus.Stopped, stopped.Evaluation.Status);
        Assert.InRange(stopped.Evaluation.Done, 1, 599);
        Assert.Equal(stopped.Evaluation.Done, stopped.Questions.Count);
        Assert.NotNull(stopped.Evaluation.Finished);

        using var again = await client.PostAsync($"/api/evaluations/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var unknown = await client.PostAsync("/api/evaluations/nope/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var unknownGet = await client.GetAsync("/api/evaluations/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknownGet.StatusCode);
    }

    [Theory]
    [InlineData("/etc", "tiny", null, "is outside the folders this server may read datasets from")]
    [InlineData("../elsewhere", "tiny", null, "is outside the folders this server may read datasets from")]
    [InlineData("datasets/not-there", "tiny", null, "no file or folder")]
    [InlineData("", "tiny", null, "Choose a data set")]
    [InlineData("synthetic:easy", "tiny", null, "how many questions")]
    [InlineData("synthetic:impossible", "tiny", 3, "Unknown difficulty")]
    [InlineData("synthetic:easy", "gpt-5", 3, "Unknown model 'gpt-5'")]
    public async Task BadRequestsAre400WithTheReason(string data, string model, int? limit, string reason)
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/evaluations", new BatchEvaluationRequest { Data = data, Model = model, Limit = limit });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(reason, json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileThatIsNotADataSetIsRefusedWithWhatWasLookedFor()
    {
        var path = Path.Combine(factory.DataDir, "datasets", "notes.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "{\"hello\": 1}");
        using var client = factory.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/evaluations", new BatchEvaluationRequest { Data = path, Model = "tiny" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("cannot be read as a DocVQA data set", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var badTokens = await client.PostAsJsonAsync("/api/evaluations", new BatchEvaluationRequest { Data = "synthetic:easy", Model = "tiny", Limit = 2, MaxNewTokens = 0 });
        Assert.Contains("Max new tokens", await badTokens.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Starts an evaluation that the server accepts (202) and returns its id.</summary>
    private static async Task<string> StartAsync(HttpClient client, BatchEvaluationRequest request)
    {
        using var response = await client.PostAsJsonAsync("/api/evaluations", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BatchEvaluationSummary>(Json))!.Id;
    }

    private static Task<EvaluationsEndpoints.EvaluationResponse> WaitForEndAsync(HttpClient client, string id) =>
        WaitUntilAsync(client, id, e => !e.Evaluation.IsActive);

    private static async Task<EvaluationsEndpoints.EvaluationResponse> WaitUntilAsync(HttpClient client, string id, Func<EvaluationsEndpoints.EvaluationResponse, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = (await client.GetFromJsonAsync<EvaluationsEndpoints.EvaluationResponse>($"/api/evaluations/{id}", Json))!;
            if (condition(response))
            {
                return response;
            }
            Assert.True(response.Evaluation.IsActive, $"The evaluation ended ({response.Evaluation.Status}: {response.Evaluation.Error}) before the condition held.");
            Assert.True(DateTime.UtcNow < deadline, $"Still waiting after {Patience}: {response.Evaluation.Status}, {response.Evaluation.Done}/{response.Evaluation.Total}.");
            await Task.Delay(200);
        }
    }

    private static MultipartFormDataContent AskForm()
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(64, 48);
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, stream);
        return new MultipartFormDataContent
        {
            { new ByteArrayContent(stream.ToArray()), "image", "page.png" },
            { new StringContent("What is the total?"), "question" },
            { new StringContent("tiny"), "model" },
            { new StringContent("2"), "max_new_tokens" },
        };
    }
}
