using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

/// <summary>
/// Fine-tuning from the dashboard: a finished run's checkpoint is forked from its run page, the form opens with that
/// checkpoint as the start, and the new run trains from it, linked to its parent on its page and in the Runs list.
/// </summary>
public sealed partial class ForkFromTheFormTests(LiveDashboard dashboard) : IClassFixture<LiveDashboard>
{
    private static readonly LocatorAssertionsToHaveTextOptions Patient = new() { Timeout = 240_000 };

    [Fact]
    public async Task ACheckpointForkedFromItsRunPageTrainsAsANewRunThatNamesItsParent()
    {
        var parentId = await TrainParentAsync();
        var page = await dashboard.NewPageAsync(1400, 1000);
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);
        await page.GotoAsync(new Uri(dashboard.BaseAddress, $"runs/{parentId}").ToString());
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);

        // The newest checkpoint (step 4) comes first in the menu; its fork item opens the form starting from it.
        await page.Locator("[data-testid=checkpoints-menu] button").First.ClickAsync();
        await page.Locator("[data-testid=fork-item]").First.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("runs/new?init=", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("[data-circuit=interactive]")).ToHaveCountAsync(1);
        // MudSelect puts the test id on its input, whose value is the choice's label.
        await Assertions.Expect(page.Locator("input[data-testid=start-from]")).ToHaveValueAsync("fork-parent · step 4");
        // A fork takes its parent's settings: the parent's max length, not the preset's default.
        await Assertions.Expect(page.Locator("input[data-testid=max-length], [data-testid=max-length] input").First).ToHaveValueAsync("48");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("fork-form.png"), FullPage = true });

        // The choices are grouped under headings that belong to the open list, not to the form around it.
        await Assertions.Expect(page.GetByText("Presets (from scratch)")).ToBeHiddenAsync();
        await page.Locator("input[data-testid=start-from]").ClickAsync();
        var list = page.Locator(".mud-popover-open");
        await Assertions.Expect(list).ToContainTextAsync("Presets (from scratch)");
        await Assertions.Expect(list).ToContainTextAsync("Run checkpoints");
        await Assertions.Expect(list).ToContainTextAsync("fork-parent · step 2");
        await page.WaitForTimeoutAsync(500); // the list fades in; the screenshot is for people to look at
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("fork-form-start-from.png") });
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("input[data-testid=start-from]")).ToHaveValueAsync("fork-parent · step 4");

        var steps = page.Locator("input[data-testid=steps], [data-testid=steps] input").First;
        await steps.FillAsync("3");
        await steps.PressAsync("Tab");
        await page.Locator("[data-testid=start-run]").ClickAsync();
        await page.WaitForURLAsync(url => RunPage().IsMatch(url) && !url.EndsWith(parentId, StringComparison.Ordinal), new() { Timeout = 60_000 });

        // The fork names its parent and the step it started from, and trains to the end.
        await Assertions.Expect(page.Locator("[data-testid=run-parent]")).ToContainTextAsync("forked from fork-parent at step 4");
        await Assertions.Expect(page.Locator("[data-testid=step-counter]")).ToHaveTextAsync("Step 3 / 3", Patient);
        await Assertions.Expect(page.Locator("[data-testid=run-status]")).ToHaveTextAsync("Completed", Patient);
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("fork-run.png"), FullPage = true });

        // The parent link leads back; the Runs list shows the lineage under the fork's name.
        await page.Locator("[data-testid=run-parent] a").ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"runs/{parentId}", StringComparison.Ordinal));
        await page.GotoAsync(new Uri(dashboard.BaseAddress, "runs").ToString());
        await Assertions.Expect(page.Locator("[data-testid=lineage]").First).ToContainTextAsync("fork of fork-parent at step 4");
        Assert.Empty(problems);
        await page.CloseAsync();
    }

    /// <summary>A short tiny run over the HTTP API, in the documented run settings format, waited for until it completes.</summary>
    private async Task<string> TrainParentAsync()
    {
        using var http = new HttpClient { BaseAddress = dashboard.BaseAddress };
        const string settings = """
            {"name": "fork-parent", "preset": "tiny", "precision": "fp32", "batch_size": 2, "max_length": 48, "steps": 4,
             "eval_interval": 4, "checkpoint_interval": 2, "seed": 3, "nan_policy": "stop"}
            """;
        using var created = await http.PostAsync(new Uri("api/runs", UriKind.Relative), new StringContent(settings, Encoding.UTF8, "application/json"));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"POST /api/runs: {(int)created.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            var status = JsonDocument.Parse(await http.GetStringAsync(new Uri($"api/runs/{id}", UriKind.Relative))).RootElement.GetProperty("status").GetString();
            if (string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase)) return id;
            Assert.True(status is not null && !status.Equals("failed", StringComparison.OrdinalIgnoreCase), $"the parent run ended {status}");
            Assert.True(DateTime.UtcNow < deadline, $"the parent run did not complete in 4 minutes (status {status})");
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"/runs/[0-9a-z-]+$")]
    private static partial Regex RunPage();
}
