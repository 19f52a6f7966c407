using System.Globalization;
using System.Text.Json;
using NanoVlm.Engine.Data;
using NanoVlm.Engine.Evaluation;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Server.Cli;

/// <summary>`eval`: greedy answers on a DocVQA source and their ANLS, overall and per question type.</summary>
public sealed class EvalVerb : IVerb
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Name => "eval";

    public string Summary => "answer every question of a DocVQA source greedily and report ANLS overall and per question type";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("model", "DIR|PRESET", "nanoVLM checkpoint folder or preset"),
        new("data", "PATH", "any DocVQA source dataset inspect reads"),
        new("format", "FORMAT", "auto (default), docvqa, lmms-parquet, cauldron-parquet or jsonl"),
        new("limit", "N", "evaluate at most N questions"),
        new("max-new-tokens", "N", "longest answer (default 32)"),
        new("out", "FILE", "write the per-question results as JSON"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        using var model = VlmLoader.Load(arguments.GetRequiredString("model"));
        foreach (var warning in model.Warnings)
        {
            await console.Error.WriteLineAsync($"warning: {warning}");
        }
        var reader = DocVqaReaders.Open(arguments.GetRequiredString("data"), arguments.GetString("format") ?? DocVqaFormatNames.Auto);
        var progress = new SynchronousProgress<EvaluationProgress>(p => console.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{p.Questions} questions, {p.Skipped} skipped, ANLS {p.RunningAnls:0.000}   ")));
        var result = DocVqaEvaluator.Run(model, reader, new SafeImageDecoder(ImageLimits.Default), arguments.GetInt("limit", 1, int.MaxValue),
            arguments.GetInt("max-new-tokens", 1, 2048) ?? 32, progress, cancellationToken);
        await console.Error.WriteLineAsync();

        var report = new
        {
            Anls = result.Anls,
            Questions = result.Questions.Count,
            ByQuestionType = result.ByQuestionType,
            Skipped = result.Skipped.Select(s => new { s.Row, s.Reason }),
            Results = result.Questions,
        };
        var outPath = arguments.GetString("out");
        if (outPath is not null)
        {
            await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, Json), cancellationToken);
        }
        await console.Out.WriteLineAsync(JsonSerializer.Serialize(new { report.Anls, report.Questions, report.ByQuestionType, skipped = result.Skipped.Count }, Json));
        return CommandLine.Success;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
