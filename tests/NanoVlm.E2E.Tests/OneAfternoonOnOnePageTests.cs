using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

/// <summary>
/// Issue 19's afternoon in one browser tab, never reloaded: a real tiny run whose old checkpoints are pruned, a resume in
/// bf16 that then trains in bf16, the run settings exported and imported again, and the playground answering with the
/// newest checkpoint. The page keeps working throughout: no error boundary, no dead circuit, no script error.
/// </summary>
public sealed class OneAfternoonOnOnePageTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    private const int Steps = 30;
    private const string RunName = "afternoon";
    private static readonly LocatorAssertionsToHaveTextOptions Patient = new() { Timeout = 300_000 };

    [Fact]
    public async Task PrunedCheckpointsResumeInBf16ExportImportAndThePlaygroundWorkOnOnePage()
    {
        var page = await dashboard.NewPageAsync(1400, 1000);
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        await page.GotoAsync(new Uri(dashboard.BaseAddress, "runs/new").ToString()); // the only page load: everything after is in-app navigation
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);

        // 1. A run that checkpoints every 2 steps: retention keeps the last three (and the best), so the early ones go.
        await Fill(page.GetByLabel("Name (optional)"), RunName);
        await Fill(page.GetByLabel("Batch size"), "2");
        await Fill(page.GetByLabel("Max length"), "48");
        await Fill(page.GetByLabel("Steps", new() { Exact = true }), Steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Fill(page.GetByLabel("Evaluate every (steps)"), "0");
        await Fill(page.GetByLabel("Checkpoint every (steps)"), "2");
        await page.Locator("[data-testid=start-run]").ClickAsync();
        await page.WaitForURLAsync(new Regex("/runs/[0-9a-f-]+$"), new() { Timeout = 60_000 });
        var runId = page.Url.Split('/')[^1];
        await Assertions.Expect(page.Locator("[data-testid=step-counter]")).ToHaveTextAsync(new Regex(@"Step (1[0-9]|2[0-9]) / 30"), Patient);
        await page.Locator("[data-testid=cancel-run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-status]")).ToHaveTextAsync("Cancelled", Patient);

        await page.Locator("[data-testid=checkpoints-menu]").ClickAsync();
        var kept = await page.Locator("[data-testid=checkpoint-item]").AllInnerTextsAsync();
        Assert.DoesNotContain(kept, item => item.StartsWith("Step 2:", StringComparison.Ordinal));
        Assert.InRange(kept.Count, 1, 4); // the last three and the best, of at least five written
        await page.Keyboard.PressAsync("Escape");

        // 2. Resume in bf16: the run finishes in bf16 and every step after the resume is a bf16 step.
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume in bf16" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-status]")).ToHaveTextAsync("Completed", Patient);
        await Assertions.Expect(page.Locator("[data-testid=step-counter]")).ToHaveTextAsync($"Step {Steps} / {Steps}");
        await Assertions.Expect(page.Locator("[data-testid=run-model]")).ToContainTextAsync("bf16");
        await Assertions.Expect(page.Locator("[data-testid=event-log]")).ToContainTextAsync("Run running: tiny, bf16");
        var metrics = await page.APIRequest.GetAsync(new Uri(dashboard.BaseAddress, $"api/runs/{runId}/metrics").ToString());
        using (var recorded = JsonDocument.Parse(await metrics.TextAsync()))
        {
            var samples = recorded.RootElement.EnumerateArray().ToList();
            Assert.Equal(Steps, samples[^1].GetProperty("step").GetInt64());
            Assert.Equal("bf16", samples[^1].GetProperty("precision").GetString());
        }

        // 3. Export JSON writes the form's settings; importing that file puts them back after they were changed.
        await page.GetByRole(AriaRole.Link, new() { Name = "New run" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-form]")).ToBeVisibleAsync();
        await Fill(page.GetByLabel("Name (optional)"), "round trip");
        await Fill(page.GetByLabel("Batch size"), "3");
        await Fill(page.GetByLabel("Steps", new() { Exact = true }), "123");
        await Fill(page.GetByLabel("Seed"), "7");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=export-json]").ClickAsync());
        Assert.Equal("round-trip.json", download.SuggestedFilename);
        var exported = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.Contains("\"batch_size\": 3", System.Text.Encoding.UTF8.GetString(exported), StringComparison.Ordinal);

        await Fill(page.GetByLabel("Batch size"), "5");
        await Fill(page.GetByLabel("Steps", new() { Exact = true }), "456");
        await Fill(page.GetByLabel("Seed"), "9");
        await page.Locator("[data-testid=import-json]").SetInputFilesAsync(new FilePayload { Name = "round-trip.json", MimeType = "application/json", Buffer = exported });
        await Assertions.Expect(page.GetByLabel("Steps", new() { Exact = true })).ToHaveValueAsync("123");
        await Assertions.Expect(page.GetByLabel("Batch size")).ToHaveValueAsync("3");
        await Assertions.Expect(page.GetByLabel("Seed")).ToHaveValueAsync("7");
        await Assertions.Expect(page.GetByLabel("Name (optional)")).ToHaveValueAsync("round trip");
        await Assertions.Expect(page.Locator("[data-testid=import-error]")).ToHaveCountAsync(0);

        // 4. The playground opens with the newest checkpoint of the completed run (it has no best: no evaluations) and answers.
        await page.GetByRole(AriaRole.Link, new() { Name = "Playground" }).ClickAsync();
        var model = page.Locator("input[data-testid=model-select], [data-testid=model-select] input").First;
        await Assertions.Expect(model).ToHaveValueAsync($"{RunName} · step {Steps}");
        await page.Locator("[data-testid=example]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=preview]")).ToBeVisibleAsync();
        var question = page.Locator("textarea[data-testid=question], [data-testid=question] textarea").First;
        await question.FillAsync("What is the total?");
        await page.Locator("[data-testid=ask]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=answer-stats]")).ToContainTextAsync("first token", new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=history]")).ToContainTextAsync($"{RunName} · step {Steps}");

        // Still alive: typing registers, no error boundary showed, the circuit never dropped.
        await question.FillAsync("Who signed it?");
        await Assertions.Expect(page.Locator("[data-testid=ask]")).ToBeEnabledAsync();
        await Assertions.Expect(page.Locator("[data-testid=page-error]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#components-reconnect-modal")).Not.ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("one-afternoon-playground.png"), FullPage = true });
        Assert.Empty(problems);
        await page.CloseAsync();
    }

    private static async Task Fill(ILocator input, string value)
    {
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }
}
