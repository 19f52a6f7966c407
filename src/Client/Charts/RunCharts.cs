using NanoVlm.Client.Services;

namespace NanoVlm.Client.Charts;

/// <summary>
/// Turns a run's recorded metrics, evaluations and events into the run page's charts: train loss (raw and
/// smoothed), validation loss and ANLS, learning rates, gradient norm, loss scale (fp16 runs only: other precisions
/// have no loss scale) and throughput. Skipped steps are shaded and precision switches and rollbacks are annotated on
/// every chart.
/// </summary>
public static class RunCharts
{
    private const string Primary = "#3949ab";
    private const string Light = "#9fa8da";
    private const string Secondary = "#00897b";
    private const string Accent = "#f57c00";

    /// <param name="runPrecision">the run's precision: an fp16 run shows its loss scale before its first step is recorded</param>
    public static IReadOnlyList<ChartModel> Build(IReadOnlyList<MetricSample> metrics, IReadOnlyList<EvaluationSample> evaluations,
        IReadOnlyList<RunEventInfo> events, RunChartOptions options, string? runPrecision = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(evaluations);
        IReadOnlyList<MetricSample> shown = [.. metrics.Where(m => options.Shows(m.Step))];
        var x = shown.Select(m => XOf(m, options.XAxis)).ToArray();
        var xLabel = XLabel(options.XAxis);
        var annotations = Annotations(events, metrics, options.XAxis);
        var skipped = SkippedRanges(shown, options.XAxis);
        evaluations = [.. evaluations.Where(e => options.Shows(e.Step))];
        var evalX = evaluations.Select(e => XAtStep(metrics, e.Step, options.XAxis)).ToArray();

        var losses = shown.Select(m => m.Loss).ToArray();
        // A run that switched away from fp16 keeps the chart: its loss scale until the switch is part of the story.
        var fp16 = IsFp16(runPrecision) || metrics.Any(m => IsFp16(m.Precision));
        // Validation passes are sparse: drawn over the training steps' X range, they line up with the other charts
        // (and a single pass does not get an axis of its own).
        (double, double)? validationRange = x.Length > 0 && evalX.Length > 0
            ? (Math.Min(x.Min(), evalX.Min()), Math.Max(x.Max(), evalX.Max()))
            : null;
        ChartModel Chart(string title, string yLabel, IReadOnlyList<ChartSeries> series, bool log = false) =>
            new(title, xLabel, yLabel, series) { Annotations = annotations, ShadedRanges = skipped, LogY = log, EmptyText = options.EmptyText };

        return
        [
            Chart("Train loss", "loss",
            [
                new ChartSeries("raw", x, losses, Light) { LineWidth = 1 },
                new ChartSeries($"smoothed ({options.Smoothing:0.##})", x, Smoothing.DebiasedEma(losses, options.Smoothing), Primary) { LineWidth = 2 },
            ], options.LogLoss),
            Chart("Validation", "loss / ANLS",
            [
                new ChartSeries("validation loss", evalX, evaluations.Select(e => e.Loss).ToArray(), Primary) { PointsOnly = evaluations.Count < 3 },
                new ChartSeries("ANLS", evalX.Where((_, i) => evaluations[i].Anls is not null).ToArray(),
                    evaluations.Where(e => e.Anls is not null).Select(e => e.Anls!.Value).ToArray(), Secondary) { PointsOnly = evaluations.Count < 3 },
            ]) with { XRange = validationRange is { Item1: var from, Item2: var to } && to > from ? (from, to) : null },
            Chart("Learning rates", "learning rate",
            [
                new ChartSeries("projector", x, shown.Select(m => m.LearningRateProjector).ToArray(), Primary),
                new ChartSeries("vision", x, shown.Select(m => m.LearningRateVision).ToArray(), Secondary),
                new ChartSeries("language", x, shown.Select(m => m.LearningRateLanguage).ToArray(), Accent),
            ]),
            Chart("Gradient norm", "‖g‖ (before clipping)", [new ChartSeries("gradient norm", x, shown.Select(m => m.GradNorm).ToArray(), Primary)], log: true),
            .. fp16 ? new[] { Chart("Loss scale", "scale", [new ChartSeries("loss scale", x, shown.Select(m => m.LossScale).ToArray(), Accent)], log: true) } : [],
            Chart("Throughput", "tokens/s", [new ChartSeries("tokens/s", x, shown.Select(m => m.TokensPerSecond).ToArray(), Secondary)]),
        ];
    }

    /// <summary>Train loss of several runs overlaid, for the compare page.</summary>
    public static ChartModel Compare(IReadOnlyList<(RunSummary Run, IReadOnlyList<MetricSample> Metrics)> runs, RunChartOptions options)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        string[] palette = [Primary, Secondary, Accent, "#8e24aa", "#6d4c41", "#00acc1", "#c0ca33", "#5e35b1"];
        var series = runs.Select((entry, i) =>
        {
            var losses = entry.Metrics.Select(m => m.Loss).ToArray();
            return new ChartSeries($"{entry.Run.Name} ({entry.Run.Precision})", entry.Metrics.Select(m => XOf(m, options.XAxis)).ToArray(),
                Smoothing.DebiasedEma(losses, options.Smoothing), palette[i % palette.Length]);
        }).ToList();
        return new ChartModel("Train loss (smoothed)", options.XAxis == XAxisKind.Step ? "step" : options.XAxis == XAxisKind.Tokens ? "tokens seen" : "seconds",
            "loss", series) { LogY = options.LogLoss };
    }

    /// <summary>fp16 and its CPU emulation ("fp16-emulated") scale the loss; fp32 and bf16 do not.</summary>
    private static bool IsFp16(string? precision) => precision?.StartsWith("fp16", StringComparison.OrdinalIgnoreCase) == true;

    internal static string XLabel(XAxisKind axis) => axis switch
    {
        XAxisKind.Tokens => "tokens seen",
        XAxisKind.WallTime => "seconds",
        _ => "step",
    };

    internal static double XOf(MetricSample sample, XAxisKind axis) => axis switch
    {
        XAxisKind.Tokens => sample.TokensSeen,
        XAxisKind.WallTime => sample.ElapsedSeconds,
        _ => sample.Step,
    };

    /// <summary>The X of a step on the chosen axis (evaluations and events only know their step).</summary>
    internal static double XAtStep(IReadOnlyList<MetricSample> metrics, long step, XAxisKind axis)
    {
        if (axis == XAxisKind.Step || metrics.Count == 0)
        {
            return step;
        }
        var nearest = metrics.LastOrDefault(m => m.Step <= step) ?? metrics[0];
        return XOf(nearest, axis);
    }

    internal static List<ChartAnnotation> Annotations(IReadOnlyList<RunEventInfo> events, IReadOnlyList<MetricSample> metrics, XAxisKind axis) =>
    [
        .. events
            .Where(e => e.Kind is "precision_switch" or "rollback" or "resume" or "pin")
            .Select(e => new ChartAnnotation(XAtStep(metrics, e.Step, axis), e.Kind switch
            {
                "precision_switch" => e.Details.TryGetValue("to", out var to) ? $"→ {to}" : "precision switch",
                "rollback" => "rollback",
                "pin" => PinLabel(e),
                _ => "resumed",
            }, e.Kind switch { "rollback" => "#d32f2f", "pin" => "#6a1b9a", _ => "#00897b" })),
    ];

    /// <summary>"pin down_proj" for a pin of decoder.blocks.0.mlp.down_proj (the last name part; the event log has the whole name).</summary>
    private static string PinLabel(RunEventInfo pin) =>
        pin.Details.TryGetValue("added", out var added)
            ? "pin " + string.Join(", ", added.Split(", ").Select(m => m[(m.LastIndexOf('.') + 1)..]))
            : "unpinned";

    private static List<ChartRange> SkippedRanges(IReadOnlyList<MetricSample> metrics, XAxisKind axis)
    {
        var ranges = new List<ChartRange>();
        for (var i = 0; i < metrics.Count; i++)
        {
            if (!metrics[i].Skipped)
            {
                continue;
            }
            var start = i;
            while (i + 1 < metrics.Count && metrics[i + 1].Skipped)
            {
                i++;
            }
            ranges.Add(new ChartRange(XOf(metrics[start], axis) - 0.5, XOf(metrics[i], axis) + 0.5));
        }
        return ranges;
    }
}
