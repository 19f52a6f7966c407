using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Inference;
using NanoVlm.Server.Playground;
using NanoVlm.Server.Storage;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.E2E.Tests;

public sealed class PlaygroundTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    [Fact]
    public async Task UploadAskAndWatchTheAnswerStreamThenStopALongOne()
    {
        var page = await OpenPlayground();
        await page.Locator("[data-testid=upload-zone] input[type=file]").SetInputFilesAsync(new FilePayload { Name = "page.png", MimeType = "image/png", Buffer = Png(150, 100) });
        await Assertions.Expect(page.Locator("[data-testid=preview-caption]")).ToContainTextAsync("image tokens");

        // Count DOM updates of the answer while it is generated: tokens arrive one by one, not all at the end.
        await page.EvaluateAsync(@"() => {
            window.answerUpdates = 0;
            const target = document.querySelector('[data-testid=answer]');
            new MutationObserver(() => window.answerUpdates++).observe(target, { childList: true, subtree: true, characterData: true });
        }");
        await page.Locator("textarea[data-testid=question], [data-testid=question] textarea").First.FillAsync("What is the total?");
        await page.Locator("[data-testid=ask]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=answer-stats]")).ToContainTextAsync("first token", new() { Timeout = 60_000 });
        var stats = await page.Locator("[data-testid=answer-stats]").InnerTextAsync();
        var tokens = int.Parse(Regex.Match(stats, @"(\d+) tokens?").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var updates = await page.EvaluateAsync<int>("() => window.answerUpdates");
        if (tokens > 2)
        {
            Assert.True(updates >= 2, $"{tokens} tokens arrived in {updates} update(s)");
        }
        await Assertions.Expect(page.Locator("[data-testid=history]")).ToContainTextAsync("What is the total?");

        // A long answer can be stopped.
        await page.GetByText("Decoding").ClickAsync();
        var maxTokens = page.GetByLabel("Max new tokens");
        await maxTokens.FillAsync("2000");
        await maxTokens.PressAsync("Tab");
        await page.Locator("[data-testid=ask]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=stop]")).ToBeEnabledAsync();
        await page.Locator("[data-testid=stop]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=answer-stats]")).ToContainTextAsync("stopped", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("playground.png"), FullPage = true });
        await page.CloseAsync();
    }

    [Fact]
    public async Task CorruptAndOversizedFilesShowWhyTheyWereRefused()
    {
        var page = await OpenPlayground();
        var input = page.Locator("[data-testid=upload-zone] input[type=file]");
        await input.SetInputFilesAsync(new FilePayload { Name = "cut.png", MimeType = "image/png", Buffer = Png(300, 300)[..150] });
        await Assertions.Expect(page.Locator("[data-testid=upload-error]")).ToContainTextAsync("incomplete");

        await input.SetInputFilesAsync(new FilePayload { Name = "huge.png", MimeType = "image/png", Buffer = new byte[(LiveDashboard.MaxUploadMegabytes + 1) * 1024 * 1024] });
        await Assertions.Expect(page.Locator("[data-testid=upload-error]")).ToContainTextAsync($"limited to {LiveDashboard.MaxUploadMegabytes} MB");

        await input.SetInputFilesAsync(new FilePayload { Name = "notes.png", MimeType = "image/png", Buffer = "not an image at all"u8.ToArray() });
        await Assertions.Expect(page.Locator("[data-testid=upload-error]")).ToContainTextAsync("not an image");
        await page.CloseAsync();
    }

    [Fact]
    public async Task ExampleDocumentComesWithAQuestionAndScoresTheAnswer()
    {
        var page = await OpenPlayground();
        await page.Locator("[data-testid=example]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=preview]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=ask]")).ToBeEnabledAsync();
        await page.Locator("[data-testid=ask]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=answer-stats]")).ToContainTextAsync("ANLS", new() { Timeout = 60_000 });
        await page.CloseAsync();
    }

    [Fact]
    public async Task BatchEvaluationOnASyntheticSetFillsTheTableAndStopEndsALongOne()
    {
        var page = await OpenPlayground();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Batch evaluation" }).ClickAsync();
        var questions = page.GetByLabel("Questions", new() { Exact = true });
        var longest = page.GetByLabel("Longest answer (tokens)", new() { Exact = true });
        await questions.FillAsync("6");
        await questions.PressAsync("Tab");
        await longest.FillAsync("4");
        await longest.PressAsync("Tab");
        await page.Locator("[data-testid=batch-start]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=batch-status]")).ToContainTextAsync("Completed", new() { Timeout = 180_000 });
        await Assertions.Expect(page.Locator("[data-testid=batch-answer]")).ToHaveCountAsync(6);
        await Assertions.Expect(page.Locator("[data-testid=batch-progress-text]")).ToContainTextAsync("6 / 6 questions");
        await Assertions.Expect(page.Locator("[data-testid=batch-anls]")).ToHaveTextAsync(new Regex(@"^\s*[01]\.\d{3}\s*$"));
        await Assertions.Expect(page.Locator("[data-testid=batch-type]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=batch-results] img.batch-thumbnail")).ToHaveCountAsync(6);
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("playground-batch-evaluation.png"), FullPage = true });

        // A long evaluation stops on Stop and keeps what it answered.
        await questions.FillAsync("500");
        await questions.PressAsync("Tab");
        await longest.FillAsync("64");
        await longest.PressAsync("Tab");
        await page.Locator("[data-testid=batch-start]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=batch-progress-text]")).ToContainTextAsync(new Regex(@"[1-9]\d* / 500 questions"), new() { Timeout = 180_000 });
        await page.Locator("[data-testid=batch-stop]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=batch-status]")).ToContainTextAsync("Stopped", new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=batch-stop]")).ToBeDisabledAsync();
        var progress = await page.Locator("[data-testid=batch-progress-text]").InnerTextAsync();
        var done = int.Parse(Regex.Match(progress, @"(\d+) / 500").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(done, 1, 499);
        await Assertions.Expect(page.Locator("[data-testid=batch-answer]")).ToHaveCountAsync(Math.Min(done, 20));
        await Assertions.Expect(page.Locator("[data-testid=batch-past] tr")).ToHaveCountAsync(2);
        await page.CloseAsync();
    }

    [Fact]
    public async Task PickingACheckpointDeletedMeanwhileSaysSoAndThePageKeepsWorking()
    {
        // A checkpoint listed when the page opens, then deleted (as checkpoint retention does) before it is picked.
        var folder = Path.Combine(dashboard.Services.GetRequiredService<DataDirectory>().Root, "doomed-checkpoint");
        using (var model = VlmLoader.Load("tiny"))
        {
            NanoVlmCheckpoint.Save(model.Model, folder);
        }
        dashboard.Services.GetRequiredService<IModelRegistry>().RegisterCheckpoint(folder, "doomed");
        var page = await OpenPlayground("?model=preset:tiny");
        await page.Locator("[data-testid=upload-zone] input[type=file]").SetInputFilesAsync(new FilePayload { Name = "page.png", MimeType = "image/png", Buffer = Png(150, 100) });
        await Assertions.Expect(page.Locator("[data-testid=preview-caption]")).ToContainTextAsync("image tokens");
        Directory.Delete(folder, recursive: true);

        await page.Locator("input[data-testid=model-select]").ClickAsync();
        await page.Locator(".mud-popover-open [data-testid=model-choice]", new() { HasText = "doomed" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-error]")).ToContainTextAsync("no longer exists");

        // The circuit lives: typing registers, Ask is enabled and answers, and the select opens without the deleted model.
        await page.Locator("textarea[data-testid=question]").FillAsync("What is the total?");
        await page.Locator("[data-testid=ask]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=answer-stats]")).ToContainTextAsync("first token", new() { Timeout = 60_000 });
        await page.Locator("input[data-testid=model-select]").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open [data-testid=model-choice]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open [data-testid=model-choice]", new() { HasText = "doomed" })).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");
        await page.CloseAsync();
    }

    [Fact]
    public async Task ALongAnswerWithoutSpacesWrapsInTheAnswerBoxAndTheHistory()
    {
        // A model that repeats one token answers with a single 400-character word.
        var word = string.Concat(Enumerable.Repeat("DAY", 134));
        dashboard.Services.GetRequiredService<DashboardDatabase>().Playground.Insert(new PlaygroundDocument
        {
            Id = Guid.NewGuid().ToString("N"), Time = DateTime.UtcNow, UploadId = "", ThumbnailDataUrl = "", ModelId = "preset:tiny",
            Question = "What does it say?", Answer = word,
        });
        var page = await OpenPlayground();
        await Assertions.Expect(page.Locator("[data-testid=history-answer]", new() { HasText = "DAYDAY" })).ToBeVisibleAsync();
        // The answer box shows what the stream writes into it: the same word.
        await page.Locator("[data-testid=answer]").EvaluateAsync("(element, text) => element.textContent = text", word);
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"the page is {widths[0]} px wide in a {widths[1]} px window");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("playground-long-answer.png"), FullPage = true });
        await page.CloseAsync();
    }

    /// <summary>
    /// A real run whose checkpoint retention deletes checkpoints: the run page's Checkpoints menu, the playground's model
    /// list and the Models table offer only the checkpoints on disk, by step as a number, with the best one marked.
    /// </summary>
    [Fact]
    public async Task EveryListOffersTheKeptCheckpointsByStepWithTheBestMarked()
    {
        // 12 steps, a checkpoint every 2, the last 3 and the best kept: 2, 4 and 6 are written, then deleted.
        var launcher = dashboard.Services.GetRequiredService<IRunLauncher>();
        var run = launcher.Start(launcher.DefaultsFor("tiny") with
        {
            Name = "pruned", Precision = "fp32", BatchSize = 2, GradAccum = 1, MaxLength = 48, Steps = 12, EvalInterval = 12,
            CheckpointInterval = 2, Data = "synthetic:easy", Seed = 3,
        });
        var queries = dashboard.Services.GetRequiredService<IRunQueries>();
        for (var waited = 0; queries.GetRun(run.Id) is { IsActive: true }; waited++)
        {
            Assert.True(waited < 1800, "the 12-step run did not finish in 3 minutes");
            await Task.Delay(100);
        }
        var kept = dashboard.Services.GetRequiredService<IModelRegistry>().Models().Where(m => m.Run?.RunId == run.Id).ToList();
        var keptSteps = kept.Select(m => m.Run!.Step).ToList();
        Assert.DoesNotContain(4, keptSteps);
        Assert.Equal(keptSteps.Order(), keptSteps);
        var best = Assert.Single(kept, m => m.IsBest).Name;

        var page = await dashboard.NewPageAsync(1300, 1000);
        await page.GotoAsync(new Uri(dashboard.BaseAddress, $"runs/{run.Id}").ToString());
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        await page.Locator("[data-testid=checkpoints-menu] button").First.ClickAsync();
        var items = page.Locator("[data-testid=checkpoint-item]");
        await Assertions.Expect(items).ToHaveCountAsync(kept.Count);
        Assert.Equal(keptSteps.AsEnumerable().Reverse().Select(s => $"Step {s}"),
            (await items.AllInnerTextsAsync()).Select(text => text.Split(':')[0].Trim()));
        await Assertions.Expect(page.Locator("[data-testid=checkpoint-item] [data-testid=best-checkpoint]")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("run-checkpoints-menu.png") });

        // The menu's best checkpoint opens in the playground, selected, with the same list and the same mark.
        await page.Locator("[data-testid=checkpoint-item]", new() { Has = page.Locator("[data-testid=best-checkpoint]") }).ClickAsync();
        await Assertions.Expect(page.Locator("input[data-testid=model-select]")).ToHaveValueAsync(best);
        await page.Locator("input[data-testid=model-select]").ClickAsync();
        var choices = page.Locator(".mud-popover-open [data-testid=model-choice]", new() { HasText = "pruned · step" });
        await Assertions.Expect(choices).ToHaveCountAsync(kept.Count);
        Assert.Equal(kept.Select(m => m.Name), await choices.EvaluateAllAsync<string[]>("nodes => nodes.map(n => n.firstElementChild.textContent.trim())"));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("playground-model-list.png") });
        await page.Keyboard.PressAsync("Escape");

        await page.GotoAsync(new Uri(dashboard.BaseAddress, "models").ToString());
        var names = page.Locator("[data-testid=models-name]", new() { HasText = "pruned · step" });
        await Assertions.Expect(names).ToHaveCountAsync(kept.Count);
        Assert.Equal(kept.Select(m => m.Name), await names.AllInnerTextsAsync());
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("models-page.png") });
        await page.CloseAsync();
    }

    private async Task<IPage> OpenPlayground(string query = "")
    {
        var page = await dashboard.NewPageAsync(1300, 1000);
        await page.GotoAsync(new Uri(dashboard.BaseAddress, "playground" + query).ToString());
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        return page;
    }

    private static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(250, 250, 250));
        for (var x = 10; x < width - 10; x++)
        {
            image[x, height / 2] = new Rgb24(0, 0, 0);
        }
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }
}
