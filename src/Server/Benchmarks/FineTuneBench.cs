using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Training;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Benchmarks;

/// <summary>
/// <c>bench --finetune PRESETS</c>: the fine-tuning section alone, at nanoVLM's real sizes. Each configuration
/// (preset × batch × precision) runs in a child process of this executable (<c>--finetune-one</c>), so that its peak
/// memory is its own: memory freed by an earlier configuration would otherwise be reused unseen.
/// </summary>
internal static class FineTuneBench
{
    /// <summary>The line a child prints its figures on.</summary>
    public const string ResultPrefix = "FINETUNE-FIGURES ";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// The shapes measured when none are given: nanoVLM-222M as v0.1 ran it (one 224 px view, 128 tokens); nanoVLM-460M
    /// with one 512 px view per page and 256 tokens, where nanoVLM's own 2048 px splitting (17 views, up to 1105 image
    /// tokens) would need more memory than a 24 GiB machine has at batch 2.
    /// </summary>
    public static (int? MaxLength, int? MaxImageSize) DefaultShape(string preset) =>
        preset.Equals("nanoVLM-460M", StringComparison.OrdinalIgnoreCase) ? (256, 512) : (null, null);

    public static async Task<int> RunAsync(string presets, VerbArguments arguments, VerbConsole console, int threads, CancellationToken cancellationToken)
    {
        var batches = IntList(arguments.GetString("finetune-batch-sizes") ?? "1,2", "finetune-batch-sizes");
        var precisions = (arguments.GetString("finetune-precisions") ?? "fp32,bf16").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(ParsePrecision).ToArray();
        var steps = arguments.GetInt("finetune-steps", 2, 1000) ?? 3;
        var rows = new List<FineTuneFigures>();
        var load = MachineFigures.LoadAverage();
        await console.Out.WriteLineAsync(string.Create(Invariant,
            $"fine-tuning at nanoVLM's sizes ({threads} threads, {steps} steps each, the first untimed; load average {load.OneMinute:0.0} at the start)"));
        await console.Out.WriteLineAsync(Header);
        foreach (var preset in presets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (defaultLength, defaultImage) = DefaultShape(preset);
            foreach (var batch in batches)
            {
                foreach (var precision in precisions)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var work = new FineTuneWork(preset, precision, batch, steps,
                        arguments.GetInt("max-length", 16, 65536) ?? defaultLength, arguments.GetInt("max-img-size", 16, 8192) ?? defaultImage, threads);
                    var loadBefore = MachineFigures.LoadAverage().OneMinute;
                    var figures = await RunChildAsync(work, console, cancellationToken);
                    if (figures is null) continue;
                    rows.Add(figures);
                    await console.Out.WriteLineAsync(Row(figures) + string.Create(Invariant, $" {loadBefore,5:0.0}→{MachineFigures.LoadAverage().OneMinute:0.0}"));
                }
            }
        }
        var loadAtEnd = MachineFigures.LoadAverage().OneMinute;
        await console.Out.WriteLineAsync(string.Create(Invariant, $"load average {loadAtEnd:0.0} at the end"));
        if (arguments.GetString("json") is { } jsonPath)
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(rows, Json), cancellationToken);
        return rows.Count == batches.Count * precisions.Length * presets.Split(',', StringSplitOptions.RemoveEmptyEntries).Length ? CommandLine.Success : CommandLine.Failure;
    }

    /// <summary><c>--finetune-one PRESET,PRECISION,BATCH,STEPS,MAXLEN,MAXIMG</c>: one configuration in this process.</summary>
    public static async Task<int> RunOneAsync(string spec, VerbConsole console, int threads)
    {
        var parts = spec.Split(',');
        if (parts.Length != 6) throw new UsageException($"--finetune-one takes PRESET,PRECISION,BATCH,STEPS,MAXLEN,MAXIMG; got '{spec}'.");
        int? Optional(string text) => text.Length == 0 ? null : int.Parse(text, Invariant);
        var work = new FineTuneWork(parts[0], ParsePrecision(parts[1]), int.Parse(parts[2], Invariant), int.Parse(parts[3], Invariant),
            Optional(parts[4]), Optional(parts[5]), threads);
        var figures = FineTuneBenchmark.Run(work);
        await console.Out.WriteLineAsync(ResultPrefix + JsonSerializer.Serialize(figures));
        return CommandLine.Success;
    }

    public static string Spec(FineTuneWork work) => string.Join(',', work.Preset, work.Precision.Label(), work.BatchSize.ToString(Invariant),
        work.Steps.ToString(Invariant), work.MaxLength?.ToString(Invariant) ?? "", work.MaxImageSize?.ToString(Invariant) ?? "");

    private static async Task<FineTuneFigures?> RunChildAsync(FineTuneWork work, VerbConsole console, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable to start for the child measurement.");
        start.FileName = processPath;
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
            start.ArgumentList.Add(typeof(FineTuneBench).Assembly.Location); // started as `dotnet NanoVlm.Server.dll`
        foreach (var argument in new[] { "bench", "--finetune-one", Spec(work), "--threads", work.Threads.ToString(Invariant) })
            start.ArgumentList.Add(argument);
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {processPath}.");
        var stdout = child.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = child.StandardError.ReadToEndAsync(cancellationToken);
        await child.WaitForExitAsync(cancellationToken);
        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            await console.Error.WriteLineAsync($"{Spec(work)}: the measurement failed (exit {child.ExitCode}): {(await stderr).Trim()}");
            return null;
        }
        return JsonSerializer.Deserialize<FineTuneFigures>(line[ResultPrefix.Length..]);
    }

    private static readonly string Header =
        $"{"preset",-13} {"prec",-5} {"batch",5} {"len",5} {"img px",6} {"views",5} {"tok/step",8} {"s/step",8} {"tokens/s",9} {"peak MiB",9} {"measured MiB",12} {"estimate MiB",12} {"meas/est",8} {"load (1 min) before→after",26}";

    private static string Row(FineTuneFigures r) => string.Create(Invariant,
        $"{r.Preset,-13} {r.Precision,-5} {r.BatchSize,5} {r.MaxLength,5} {r.MaxImageSize,6} {r.ViewsPerSample,5:0.#} {r.TokensPerStep,8:0} {r.SecondsPerStep,8:0.00} {r.TokensPerSecond,9:0.0} {r.PeakMib,9:0} {r.MeasuredMib,12:0} {r.EstimatedMib,12:0} {r.MeasuredOverEstimated,8:0.00}");

    private static ComputePrecision ParsePrecision(string text) => text.ToLowerInvariant() switch
    {
        "fp32" => ComputePrecision.Fp32,
        "bf16" => ComputePrecision.Bf16,
        _ => throw new UsageException($"Fine-tuning precisions are fp32 and bf16; got '{text}'."),
    };

    private static List<int> IntList(string text, string option)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, Invariant, out var value) || value < 1)
                throw new UsageException($"Option '--{option}' takes positive whole numbers separated by commas; got '{text}'.");
            values.Add(value);
        }
        return values;
    }
}
