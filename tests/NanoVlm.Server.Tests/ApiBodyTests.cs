using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Server.Endpoints;
using NanoVlm.Server.Storage;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Tests;

public sealed class ApiBodyTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task UnknownFieldsAreRefusedWithTheirNames()
    {
        using var response = await PostRun("{\"preset\":\"tiny\",\"batchSzie\":8,\"steps\":10,\"colour\":\"red\"}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var unknown = problem.RootElement.GetProperty("unknownFields").EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
        Assert.Equal(["batchSzie", "colour"], unknown);
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.Contains("'batchSzie'", detail, StringComparison.Ordinal);
        Assert.Contains("batch_size", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOversizedBodyIsA413SayingTheLimit()
    {
        var json = "{\"name\":\"" + new string('a', (int)JsonBody.MaxBytes) + "\"}";
        using var response = await PostRun(json);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("limited to 1048576 bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOversizedBodyWithoutALengthIsStoppedAtTheLimit()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"name\":\"" + new string('a', 2 * (int)JsonBody.MaxBytes) + "\"}");
        using var content = new StreamContent(new UnknownLengthStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/api/runs", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1 MB", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"steps\":", "not valid JSON")]
    [InlineData("[1,2]", "not a list")]
    [InlineData("{\"name\":null}", "name must be text in quotes; got null")]
    [InlineData("{\"batchSize\":\"eight\"}", "batch_size must be a whole number (no quotes); got the text")]
    [InlineData("{\"steps\":1e40}", "steps must be a whole number within")]
    public async Task MalformedBodiesAreA400SayingWhere(string json, string expected)
    {
        using var response = await PostRun(json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABodyThatIsNotJsonIsA415()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/api/runs", new StringContent("steps=10", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutOfRangeFieldsAreEachNamed()
    {
        var json = "{\"name\":\"" + new string('n', 101) + "\",\"batchSize\":5000,\"warmupFraction\":\"NaN\",\"evalInterval\":-1," +
            "\"checkpointInterval\":20000000,\"data\":\"synthetic:easy\\u0000\",\"lrVision\":\"Infinity\",\"seed\":-1}";
        using var response = await PostRun(json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var field in new[] { "Name", "BatchSize", "WarmupFraction", "EvalInterval", "CheckpointInterval", "Data", "LrVision", "Seed" })
        {
            Assert.Contains(field, fields);
        }
    }

    [Fact]
    public async Task ResumeRefusesAnUnknownPrecision()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        factory.Services.GetRequiredService<RunStore>().Upsert(new RunDocument
        {
            Id = id, Name = "test", Status = RunStatus.Failed, Model = "tiny", Precision = "fp32", TotalSteps = 10, CreatedAt = DateTime.UtcNow,
        });
        using var client = factory.CreateClient();
        using var response = await client.PostAsync($"/api/runs/{id}/resume?precision=fp8", null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("auto, fp32, bf16 or fp16", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOverlongQuestionIsRefusedBeforeAnythingIsDecoded()
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent([1, 2, 3]), "image", "x.png" },
            { new StringContent(new string('q', AskEndpoint.MaxQuestionLength + 1)), "question" },
        };
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/api/ask", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'question' field has 2001 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExportedSettingsFileStartsARunAndLeftOutFieldsTakeThePresetsDefaults()
    {
        var exported = RunSettingsJson.Write(RunsApi.TinyRun("exported", steps: 2, checkpointInterval: 2) with { MaxLength = 52 });
        using (var response = await PostRun(exported))
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        // A body naming only what differs from the preset: the rest is the preset's, as in the form.
        using var partial = await PostRun("{\"preset\":\"fp16-overflow\",\"name\":\"partial\",\"steps\":1,\"eval_interval\":0}");
        Assert.True(partial.StatusCode == HttpStatusCode.Created, await partial.Content.ReadAsStringAsync());
        var run = JsonSerializer.Deserialize<RunSummary>(await partial.Content.ReadAsStringAsync(), RunsApi.Json)!;
        var document = factory.Services.GetRequiredService<RunStore>().GetDocument(run.Id)!;
        using var config = JsonDocument.Parse(document.ConfigurationJson);
        Assert.Equal(1024, config.RootElement.GetProperty("model").GetProperty("lm_inter_dim").GetInt32());
        Assert.Equal(4, config.RootElement.GetProperty("batch_size").GetInt32());
        Assert.Equal("fp16", config.RootElement.GetProperty("precision").GetString());
    }

    private async Task<HttpResponseMessage> PostRun(string json)
    {
        using var client = factory.CreateClient();
        return await client.PostAsync("/api/runs", new StringContent(json, Encoding.UTF8, "application/json"));
    }

    /// <summary>A body sent chunked: the server learns its size only by reading it.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
