using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>How the New run form looks before anything is typed: its groups stay in the Start from list, its buttons are buttons.</summary>
public sealed class NewRunFormLayoutTests : IAsyncDisposable
{
    private readonly BunitContext _context = new();

    public NewRunFormLayoutTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton<IRunLauncher>(new StartingLauncher(new RecordedRuns()));
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public async Task StartFromGroupsAppearInItsOpenListOnlyNotUnderTheField()
    {
        var popovers = _context.Render<MudPopoverProvider>();
        var page = _context.Render<NewRun>();
        Assert.DoesNotContain("Presets (from scratch)", page.Find("[data-testid=run-form]").TextContent, StringComparison.Ordinal);

        var select = page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Start from");
        await page.InvokeAsync(() => select.Instance.OpenMenu());
        popovers.WaitForAssertion(() => Assert.Contains("Presets (from scratch)", popovers.Find("[data-testid=start-group]").TextContent, StringComparison.Ordinal));
        Assert.True(popovers.Find("[data-testid=start-group]").ClassList.Contains("mud-disabled") || popovers.Find("[data-testid=start-group]").OuterHtml.Contains("disabled", StringComparison.Ordinal));
    }

    [Fact]
    public void TheImportIsAButtonLabelForItsFileInputAndStartRunKeepsOneLine()
    {
        var page = _context.Render<NewRun>();
        var label = page.Find("label[for=import-json-input]");
        Assert.Contains("mud-button-root", label.ClassList);
        Assert.Contains("Import JSON", label.TextContent, StringComparison.Ordinal);
        Assert.Equal("import-json-input", page.Find("input[type=file][data-testid=import-json]").Id);
        Assert.Contains("no-wrap", page.Find("[data-testid=start-run]").ClassList);
        Assert.Equal("run-settings.json", page.Find("a[data-testid=export-json]").GetAttribute("download"));
    }
}
