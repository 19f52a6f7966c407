using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Tests;

/// <summary>
/// The New run form rendered with bUnit against the server's real launcher (its validation and estimate are the
/// server's): every bad value gets a message under its field, Start is disabled until they are fixed, and a bad
/// JSON import says what is wrong.
/// </summary>
public sealed class NewRunFormTests : IClassFixture<DashboardFactory>, IAsyncDisposable
{
    private readonly BunitContext _context = new();

    public NewRunFormTests(DashboardFactory factory)
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton(factory.Services.GetRequiredService<IRunLauncher>());
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public void TheDefaultsAreValidAndCanStart()
    {
        var page = _context.Render<NewRun>();
        Assert.False(StartDisabled(page));
        Assert.Empty(page.FindAll(".mud-input-error"));
        Assert.Contains("Every image of this data fits max_length", page.Find("[data-testid=estimate]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Batch size", "0", "Batch size must be between 1 and 1024.")]
    [InlineData("Gradient accumulation", "0", "Gradient accumulation must be between 1 and 1024.")]
    [InlineData("Steps", "0", "Steps must be between 1 and 10,000,000.")]
    [InlineData("Evaluate every (steps)", "-1", "Evaluate every N steps, with N between 1 and 10,000,000, or 0 to never evaluate.")]
    [InlineData("Seed", "-3", "The seed must be 0 or positive.")]
    public void ABadWholeNumberGetsItsMessageAndDisablesStart(string label, string value, string message) =>
        ABadValueGetsItsMessageAndDisablesStart<int>(label, value, message);

    [Theory]
    [InlineData("LR language", "-0.001", "A learning rate is between 0 (frozen) and 1.")]
    [InlineData("LR projector", "3", "A learning rate is between 0 (frozen) and 1.")]
    [InlineData("Warmup (fraction)", "1.5", "Warmup is a fraction of the steps, from 0 up to (not including) 1.")]
    public void ABadFractionGetsItsMessageAndDisablesStart(string label, string value, string message) =>
        ABadValueGetsItsMessageAndDisablesStart<double>(label, value, message);

    // A real Tab fires change, then blur: the message must survive the blur (it used to vanish, leaving Start disabled
    // with no reason shown).
    [Theory]
    [InlineData("Batch size", "0", "Batch size must be between 1 and 1024.")]
    [InlineData("Gradient accumulation", "0", "Gradient accumulation must be between 1 and 1024.")]
    [InlineData("Max length", "8", "Max length must be between 16 and 65536 tokens.")]
    [InlineData("Steps", "0", "Steps must be between 1 and 10,000,000.")]
    [InlineData("Seed", "-3", "The seed must be 0 or positive.")]
    [InlineData("Evaluate every (steps)", "-1", "Evaluate every N steps, with N between 1 and 10,000,000, or 0 to never evaluate.")]
    [InlineData("Checkpoint every (steps)", "0", "Checkpoint every N steps, with N between 1 and 10,000,000.")]
    public void ABadWholeNumberLeftWithTabKeepsItsMessage(string label, string value, string message) =>
        ABadValueLeftWithTabKeepsItsMessage(page => Field<int>(page, label), value, message);

    [Theory]
    [InlineData("LR projector", "3", "A learning rate is between 0 (frozen) and 1.")]
    [InlineData("LR vision", "-1", "A learning rate is between 0 (frozen) and 1.")]
    [InlineData("LR language", "-0.001", "A learning rate is between 0 (frozen) and 1.")]
    [InlineData("Warmup (fraction)", "1.5", "Warmup is a fraction of the steps, from 0 up to (not including) 1.")]
    public void ABadFractionLeftWithTabKeepsItsMessage(string label, string value, string message) =>
        ABadValueLeftWithTabKeepsItsMessage(page => Field<double>(page, label), value, message);

    [Fact]
    public void AnEmptyDataFieldLeftWithTabKeepsItsMessage() =>
        ABadValueLeftWithTabKeepsItsMessage(page => TextField(page, "Data"), "", "Data is required.");

    [Fact]
    public void AMaxLengthShorterThanTheImageTokensIsRefusedUnderItsField()
    {
        var page = _context.Render<NewRun>();
        var maxLength = Field<int>(page, "Max length");
        maxLength.Find("input").Change("16");

        Assert.Contains("image tokens, max_length is 16", ErrorOf(maxLength), StringComparison.Ordinal);
        Assert.Contains("max_length is 16", page.Find("[data-testid=max-length-problem]").TextContent, StringComparison.Ordinal);
        Assert.True(StartDisabled(page));
    }

    [Fact]
    public void AnUnknownSyntheticSetIsRefusedUnderDataInPlainWords()
    {
        var page = _context.Render<NewRun>();
        TextField(page, "Data").Find("input").Change("synthetic:bogus");

        Assert.Equal("There is no synthetic data set 'bogus': use synthetic:easy, synthetic:medium or synthetic:hard.", ErrorText(TextField(page, "Data")));
        Assert.Equal("(no message)", ErrorText(Field<int>(page, "Max length")));
        Assert.DoesNotContain("Parameter", page.Markup, StringComparison.Ordinal);
        Assert.True(StartDisabled(page));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("synthetic:bogus")]
    public void RefusedDataClaimsNothingAboutMaxLength(string data)
    {
        var page = _context.Render<NewRun>();
        TextField(page, "Data").Find("input").Change(data);

        Assert.NotEqual("(no message)", ErrorText(TextField(page, "Data")));
        var estimate = page.Find("[data-testid=estimate]").TextContent;
        Assert.DoesNotContain("fits max_length", estimate, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=max-length-problem]"));
    }

    [Fact]
    public void ImportingABrokenFileSaysWhyAndKeepsTheForm()
    {
        var page = _context.Render<NewRun>();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("{ \"batch_size\": 4, ", "broken.json"));

        page.WaitForAssertion(() => Assert.Contains("broken.json is not usable run settings", page.Find("[data-testid=import-error]").TextContent, StringComparison.Ordinal));
        Assert.Contains(_context.Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => s.Message?.Contains("broken.json", StringComparison.Ordinal) == true);
        Assert.False(StartDisabled(page));
        Assert.Equal("8", Field<int>(page, "Batch size").Find("input").GetAttribute("value"));
    }

    [Fact]
    public void ImportingAFileWithAnUnknownFieldNamesTheField()
    {
        var page = _context.Render<NewRun>();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("{ \"batch\": 4 }", "typo.json"));
        page.WaitForAssertion(() => Assert.Contains("batch", page.Find("[data-testid=import-error]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void ImportingBadValuesShowsTheirMessagesAndDisablesStart()
    {
        var launcher = _context.Services.GetRequiredService<IRunLauncher>();
        var json = RunSettingsJson.Write(launcher.DefaultsFor("tiny") with { BatchSize = 0, WarmupFraction = 2 });
        var page = _context.Render<NewRun>();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(json, "bad-values.json"));

        page.WaitForAssertion(() => Assert.True(StartDisabled(page)));
        Assert.Contains("Batch size must be between 1 and 1024.", ErrorOf(Field<int>(page, "Batch size")), StringComparison.Ordinal);
        Assert.Contains("Warmup is a fraction", ErrorOf(Field<double>(page, "Warmup (fraction)")), StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=import-error]"));
    }

    [Theory]
    [InlineData("{ \"preset\": \"tiny\", \"batch_size\": 4, \"steps\": 123 }", "snake_case.json")]
    [InlineData("{ \"preset\": \"tiny\", \"batchSize\": 4, \"steps\": 123 }", "camelCase.json")]
    public void ImportReadsTheRunSettingsFormatInEitherSpelling(string json, string file)
    {
        var page = _context.Render<NewRun>();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(json, file));

        page.WaitForAssertion(() => Assert.Equal("4", Field<int>(page, "Batch size").Find("input").GetAttribute("value")));
        Assert.Equal("123", Field<int>(page, "Steps").Find("input").GetAttribute("value"));
        Assert.Empty(page.FindAll("[data-testid=import-error]"));
    }

    [Fact]
    public void ImportStatesAWrongValueInTheUsersTerms()
    {
        var page = _context.Render<NewRun>();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("{\n  \"batch_size\": \"8\"\n}", "quoted.json"));

        page.WaitForAssertion(() => Assert.Contains("line 2: batch_size must be a whole number (no quotes); got the text \"8\"",
            page.Find("[data-testid=import-error]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(".NET", page.Find("[data-testid=import-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatExportWritesIsWhatTheApiAndImportAccept()
    {
        var launcher = _context.Services.GetRequiredService<IRunLauncher>();
        var exported = RunSettingsJson.Write(launcher.DefaultsFor("small") with { Name = "exported", Steps = 7 });
        var (settings, problems) = RunSettingsJson.Read(exported);
        Assert.Empty(problems);
        var request = settings!.ApplyTo(launcher.DefaultsFor("tiny"));
        Assert.Empty(launcher.Validate(request));
        Assert.Equal(("small", 7), (request.Preset, request.Steps));
    }

    private void ABadValueGetsItsMessageAndDisablesStart<T>(string label, string value, string message)
    {
        var page = _context.Render<NewRun>();
        var field = Field<T>(page, label);
        var good = field.Find("input").GetAttribute("value") ?? "";
        field.Find("input").Change(value);

        Assert.Equal(message, ErrorOf(field));
        Assert.True(StartDisabled(page));

        // Fixing the value clears the message and enables Start again.
        field.Find("input").Change(good);
        Assert.Empty(page.FindAll(".mud-input-error"));
        Assert.False(StartDisabled(page));
    }

    private void ABadValueLeftWithTabKeepsItsMessage<TField>(Func<IRenderedComponent<NewRun>, IRenderedComponent<TField>> find, string value, string message)
        where TField : IComponent
    {
        var page = _context.Render<NewRun>();
        var input = find(page).Find("input");
        input.Change(value);
        input.Blur();

        Assert.Equal(message, ErrorText(find(page)));
        Assert.True(StartDisabled(page));
    }

    private static IRenderedComponent<MudTextField<string>> TextField(IRenderedComponent<NewRun> page, string label) =>
        page.FindComponents<MudTextField<string>>().Single(f => f.Instance.Label == label);

    private static string ErrorText<TField>(IRenderedComponent<TField> field) where TField : IComponent =>
        field.FindAll(".mud-input-helper-text.mud-input-error").SingleOrDefault()?.TextContent.Trim() ?? "(no message)";

    private static IRenderedComponent<MudNumericField<T>> Field<T>(IRenderedComponent<NewRun> page, string label) =>
        page.FindComponents<MudNumericField<T>>().Single(f => f.Instance.Label == label);

    private static string ErrorOf<T>(IRenderedComponent<MudNumericField<T>> field) =>
        field.FindAll(".mud-input-helper-text.mud-input-error").SingleOrDefault()?.TextContent.Trim() ?? "(no message)";

    private static bool StartDisabled(IRenderedComponent<NewRun> page) => page.Find("[data-testid=start-run]").HasAttribute("disabled");
}
