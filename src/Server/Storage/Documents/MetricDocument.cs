using LiteDB;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Storage.Documents;

/// <summary>One step's metrics. BSON stores NaN and ±∞ as they are, so failures survive a restart.</summary>
public sealed class MetricDocument
{
    public ObjectId Id { get; set; } = ObjectId.Empty;
    public string RunId { get; set; } = "";
    public long Step { get; set; }
    public long TokensSeen { get; set; }
    public double ElapsedSeconds { get; set; }
    public double Loss { get; set; }
    public double GradNorm { get; set; }
    public double LearningRateProjector { get; set; }
    public double LearningRateVision { get; set; }
    public double LearningRateLanguage { get; set; }
    public double LossScale { get; set; }
    public double TokensPerSecond { get; set; }
    public string Precision { get; set; } = "";
    public bool Skipped { get; set; }

    public static MetricDocument From(string runId, MetricSample sample) => new()
    {
        RunId = runId,
        Step = sample.Step,
        TokensSeen = sample.TokensSeen,
        ElapsedSeconds = sample.ElapsedSeconds,
        Loss = sample.Loss,
        GradNorm = sample.GradNorm,
        LearningRateProjector = sample.LearningRateProjector,
        LearningRateVision = sample.LearningRateVision,
        LearningRateLanguage = sample.LearningRateLanguage,
        LossScale = sample.LossScale,
        TokensPerSecond = sample.TokensPerSecond,
        Precision = sample.Precision,
        Skipped = sample.Skipped,
    };

    public MetricSample ToSample() => new(Step, TokensSeen, ElapsedSeconds, Loss, GradNorm, LearningRateProjector,
        LearningRateVision, LearningRateLanguage, LossScale, TokensPerSecond, Precision, Skipped);
}
