using NanoVlm.Client.Services;

namespace NanoVlm.Client.Tests;

/// <summary>The run settings format: what Export writes reads back, both spellings read, and problems are said in the user's terms.</summary>
public sealed class RunSettingsJsonTests
{
    private static readonly RunRequest Defaults = new() { Preset = "tiny", BatchSize = 8, Steps = 2500 };

    [Fact]
    public void What_export_writes_reads_back_to_the_same_request()
    {
        var request = new RunRequest { Name = "docvqa \"v2\"", Preset = "small", Precision = "bf16", BatchSize = 3, LrVision = 5e-5, Steps = 77, Data = "/srv/d", Seed = 9 };
        var written = RunSettingsJson.Write(request);

        Assert.Contains("\"batch_size\": 3", written, StringComparison.Ordinal);
        Assert.DoesNotContain("batchSize", written, StringComparison.Ordinal);
        var (settings, problems) = RunSettingsJson.Read(written);
        Assert.Empty(problems);
        Assert.Equal(request, settings!.ApplyTo(new RunRequest()));
        Assert.Equal(RunSettingsJson.FieldNames.Count, settings.Fields.Count);
    }

    [Fact]
    public void Where_the_run_trains_travels_with_the_settings()
    {
        var request = new RunRequest { Preset = "small", Engine = "slurm", ProcessesPerNode = 4, Nodes = 2, Partition = "gpu", TimeLimit = "1-00:00:00", Python = "/opt/torch/bin/python" };
        var written = RunSettingsJson.Write(request);

        Assert.Contains("\"engine\": \"slurm\"", written, StringComparison.Ordinal);
        Assert.Contains("\"nproc_per_node\": 4", written, StringComparison.Ordinal);
        Assert.Contains("\"time_limit\": \"1-00:00:00\"", written, StringComparison.Ordinal);
        var (settings, problems) = RunSettingsJson.Read(written);
        Assert.Empty(problems);
        Assert.Equal(request, settings!.ApplyTo(new RunRequest()));
        // Left out: the in-process engine, as before these fields existed.
        Assert.Equal("in-process", RunSettingsJson.Read("{ \"preset\": \"tiny\" }").Settings!.ApplyTo(new RunRequest()).Engine);
        var (_, wrong) = RunSettingsJson.Read("{ \"nproc_per_node\": \"2\" }");
        Assert.Equal("line 1: nproc_per_node must be a whole number (no quotes); got the text \"2\".", Assert.Single(wrong).ToString());
    }

    [Fact]
    public void CamelCase_as_the_api_writes_it_reads_too_and_left_out_fields_keep_the_defaults()
    {
        var (settings, problems) = RunSettingsJson.Read("{ \"preset\": \"small\", \"batchSize\": 4, \"lr_language\": 1e-4 }");
        Assert.Empty(problems);
        Assert.Equal("small", settings!.Preset);
        var request = settings.ApplyTo(Defaults);
        Assert.Equal((4, 1e-4, 2500), (request.BatchSize, request.LrLanguage, request.Steps));
    }

    [Fact]
    public void Every_problem_is_listed_with_its_line_and_field()
    {
        const string json = "{\n  \"batch_size\": \"8\",\n  \"batch\": 2,\n  \"steps\": 1.5,\n  \"data\": [\"a\"],\n  \"batchSize\": 4\n}";
        var (settings, problems) = RunSettingsJson.Read(json);

        Assert.Null(settings);
        Assert.Equal(
            [
                "line 2: batch_size must be a whole number (no quotes); got the text \"8\".",
                "line 3: unknown field 'batch'. The run settings fields are: " + string.Join(", ", RunSettingsJson.FieldNames) + ".",
                "line 4: steps must be a whole number within ±2,147,483,647; got the number 1.5.",
                "line 5: data must be text in quotes; got a list.",
                "line 6: 'batch_size' is given twice (as 'batch_size' or 'batchSize'); keep one.",
            ],
            problems.Select(p => p.ToString()));
        Assert.Equal("batch", problems[1].UnknownField);
        Assert.Equal(nameof(RunRequest.BatchSize), problems[0].Field);
    }

    [Theory]
    [InlineData("{ \"batch_size\": 4, ", "line 1: this is not valid JSON")]
    [InlineData("[1, 2]", "not a list")]
    [InlineData(" \n", "the document is empty")]
    public void Broken_documents_say_what_is_wrong_without_parser_internals(string json, string expected)
    {
        var (settings, problems) = RunSettingsJson.Read(json);
        Assert.Null(settings);
        var problem = Assert.Single(problems).ToString();
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem, StringComparison.Ordinal);
    }
}
