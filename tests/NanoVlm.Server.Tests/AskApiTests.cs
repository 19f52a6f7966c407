using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Server.Tests;

public sealed class AskApiTests(AskApiTests.SmallUploadsFactory factory) : IClassFixture<AskApiTests.SmallUploadsFactory>
{
    /// <summary>The real server with a 1 MB upload limit, so the limit is cheap to exceed.</summary>
    public sealed class SmallUploadsFactory : DashboardFactoryBase
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Inference:MaxUploadMegabytes", "1");
        }
    }

    [Fact]
    public async Task AnswersAsJsonWithTimings()
    {
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/api/ask", Form(Png(90, 70), "What is the total?", "tiny", ("max_new_tokens", "4")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.InRange(json.RootElement.GetProperty("tokens").GetInt32(), 0, 4);
        Assert.True(json.RootElement.GetProperty("ms_total").GetDouble() >= json.RootElement.GetProperty("ms_to_first_token").GetDouble());
    }

    [Fact]
    public async Task StreamsServerSentEventsEndingWithDone()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ask") { Content = Form(Png(64, 64), "Who signed?", "preset:tiny", ("max_new_tokens", "6")) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("event: done", body, StringComparison.Ordinal);
        var done = body[(body.IndexOf("event: done", StringComparison.Ordinal) + "event: done\ndata: ".Length)..].Trim();
        using var json = JsonDocument.Parse(done);
        var tokens = json.RootElement.GetProperty("tokens").GetInt32();
        // Each produced token (until end of sequence) was streamed as its own event, unless it only completed a character.
        Assert.True(CountOf(body, "event: token") <= tokens);
    }

    [Fact]
    public async Task TheImageIsStoredOnlyWhenTheQuestionIsKeptInTheHistory()
    {
        var playground = factory.Services.GetRequiredService<IPlayground>();
        var uploads = Path.Combine(factory.DataDir, "uploads");
        int StoredUploads() => Directory.Exists(uploads) ? Directory.GetFiles(uploads).Length : 0;
        using var client = factory.CreateClient();

        var before = StoredUploads();
        using (var notKept = await client.PostAsync("/api/ask", Form(Png(81, 53), "Not kept?", "tiny", ("max_new_tokens", "2"), ("history", "false"))))
        {
            Assert.Equal(HttpStatusCode.OK, notKept.StatusCode);
        }
        Assert.Equal(before, StoredUploads());
        Assert.DoesNotContain(playground.History(), e => e.Question == "Not kept?");

        using (var kept = await client.PostAsync("/api/ask", Form(Png(83, 59), "Kept?", "tiny", ("max_new_tokens", "2"))))
        {
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        }
        var entry = Assert.Single(playground.History(), e => e.Question == "Kept?");
        Assert.True(File.Exists(Path.Combine(uploads, entry.UploadId)), "a kept question's image is stored, for the history to ask again");
        Assert.Equal("tiny", entry.ModelName);

        using var wrong = await client.PostAsync("/api/ask", Form(Png(10, 10), "Total?", "tiny", ("history", "maybe")));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("'history' is 'maybe'", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedQuestionForADeletedCheckpointIsAProblemDetail()
    {
        var folder = Path.Combine(factory.DataDir, "streamed-then-deleted");
        using (var model = VlmLoader.Load("tiny"))
        {
            NanoVlmCheckpoint.Save(model.Model, folder);
        }
        var id = factory.Services.GetRequiredService<IModelRegistry>().RegisterCheckpoint(folder, "gone soon").Id;
        Directory.Delete(folder, recursive: true);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ask") { Content = Form(Png(64, 64), "Who signed?", id) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no longer exists", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated", HttpStatusCode.BadRequest)]
    [InlineData("text", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("huge", HttpStatusCode.RequestEntityTooLarge)]
    public async Task BadUploadsAreProblemDetailsWithTheReason(string kind, HttpStatusCode expected)
    {
        var bytes = kind switch
        {
            "truncated" => Png(200, 200)[..120],
            "text" => "just some text, not a picture"u8.ToArray(),
            _ => new byte[1_200_000],
        };
        using var client = factory.CreateClient();
        using var response = await client.PostAsync("/api/ask", Form(bytes, "Total?", "tiny"));
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task MissingFieldsAndUnknownModelsAreExplained()
    {
        using var client = factory.CreateClient();
        using var noQuestion = await client.PostAsync("/api/ask", Form(Png(10, 10), "", "tiny"));
        Assert.Equal(HttpStatusCode.BadRequest, noQuestion.StatusCode);
        using var unknown = await client.PostAsync("/api/ask", Form(Png(10, 10), "Total?", "gpt-5"));
        Assert.Contains("Unknown model", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static MultipartFormDataContent Form(byte[] image, string question, string model, params (string Name, string Value)[] extra)
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(image), "image", "page.png" },
            { new StringContent(question), "question" },
            { new StringContent(model), "model" },
        };
        foreach (var (name, value) in extra)
        {
            form.Add(new StringContent(value), name);
        }
        return form;
    }

    private static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }

    private static int CountOf(string text, string token) => (text.Length - text.Replace(token, "", StringComparison.Ordinal).Length) / token.Length;
}
