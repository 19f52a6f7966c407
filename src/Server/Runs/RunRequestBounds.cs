using NanoVlm.Client.Services;
using NanoVlm.Engine.Training;

namespace NanoVlm.Server.Runs;

/// <summary>
/// The range of every field of a <see cref="RunRequest"/>, whatever sent it (the form, a JSON import, the API):
/// numbers finite and within sane limits, strings present, short and free of control characters. Whether a preset,
/// a precision or a data path exists is checked by the launcher, which knows them.
/// </summary>
public static class RunRequestBounds
{
    public const int MaxNameLength = 100;
    public const int MaxDataLength = 4096;
    public const int MaxBatch = 1024;
    public const int MaxLength = 65536;
    public const int MaxSteps = 10_000_000;

    public static void Check(RunRequest request, Action<string, string> add)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(add);
        CheckText(request.Name, nameof(RunRequest.Name), MaxNameLength, required: false, add);
        CheckText(request.Preset, nameof(RunRequest.Preset), 64, required: true, add);
        CheckText(request.Precision, nameof(RunRequest.Precision), 16, required: true, add);
        CheckText(request.Data, nameof(RunRequest.Data), MaxDataLength, required: true, add);
        CheckText(request.NanPolicy, nameof(RunRequest.NanPolicy), 16, required: true, add);
        if (request.BatchSize is < 1 or > MaxBatch) add(nameof(RunRequest.BatchSize), $"Batch size must be between 1 and {MaxBatch}.");
        if (request.GradAccum is < 1 or > MaxBatch) add(nameof(RunRequest.GradAccum), $"Gradient accumulation must be between 1 and {MaxBatch}.");
        if (request.MaxLength is < 16 or > MaxLength) add(nameof(RunRequest.MaxLength), $"Max length must be between 16 and {MaxLength} tokens.");
        if (request.Steps is < 1 or > MaxSteps) add(nameof(RunRequest.Steps), "Steps must be between 1 and 10,000,000.");
        CheckRate(request.LrProjector, nameof(RunRequest.LrProjector), add);
        CheckRate(request.LrVision, nameof(RunRequest.LrVision), add);
        CheckRate(request.LrLanguage, nameof(RunRequest.LrLanguage), add);
        if (!double.IsFinite(request.WarmupFraction) || request.WarmupFraction is < 0 or >= 1)
            add(nameof(RunRequest.WarmupFraction), "Warmup is a fraction of the steps, from 0 up to (not including) 1.");
        if (request.EvalInterval is < 0 or > MaxSteps) add(nameof(RunRequest.EvalInterval), "Evaluate every N steps, with N between 1 and 10,000,000, or 0 to never evaluate.");
        if (request.CheckpointInterval is < 1 or > MaxSteps) add(nameof(RunRequest.CheckpointInterval), "Checkpoint every N steps, with N between 1 and 10,000,000.");
        if (request.Seed < 0) add(nameof(RunRequest.Seed), "The seed must be 0 or positive.");
        if (request.NanPolicy is not null && !SettingNames.TryParse<NanPolicy>(request.NanPolicy, out _))
            add(nameof(RunRequest.NanPolicy), $"NaN policy is {SettingNames.Choices<NanPolicy>()}.");
    }

    private static void CheckText(string? value, string field, int maxLength, bool required, Action<string, string> add)
    {
        if (value is null || (required && value.Length == 0))
        {
            add(field, $"{field} is required.");
        }
        else if (value.Length > maxLength)
        {
            add(field, $"Keep {field} to {maxLength} characters or fewer (it has {value.Length}).");
        }
        else if (value.Any(char.IsControl))
        {
            add(field, $"{field} contains control characters (such as a newline or NUL); remove them.");
        }
    }

    private static void CheckRate(double rate, string field, Action<string, string> add)
    {
        if (!double.IsFinite(rate) || rate < 0 || rate > 1) add(field, "A learning rate is between 0 (frozen) and 1.");
    }
}
