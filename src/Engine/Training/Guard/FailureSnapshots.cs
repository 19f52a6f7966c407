using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>What a failure snapshot records besides the weights and the batch (<c>snapshot.json</c>).</summary>
public sealed record FailureSnapshotInfo
{
    /// <summary>The failing step (updates done before it), as the NaN alert counts it.</summary>
    [JsonPropertyName("step")] public required int Step { get; init; }

    /// <summary>The precision the run computed in ("fp16-emulated", "bf16", ...).</summary>
    [JsonPropertyName("precision")] public required ComputePrecision Precision { get; init; }

    [JsonPropertyName("pinned_modules")] public required IReadOnlyList<string> PinnedModules { get; init; }
    [JsonPropertyName("loss_scale")] public double? LossScale { get; init; }
    [JsonPropertyName("sample_ids")] public required IReadOnlyList<string> SampleIds { get; init; }

    /// <summary>Image views (tiles and global view) of each sample, in row order; its first is the global view.</summary>
    [JsonPropertyName("images_per_sample")] public required IReadOnlyList<int> ImagesPerSample { get; init; }

    [JsonPropertyName("verdict")] public required string Verdict { get; init; }
    [JsonPropertyName("module")] public string? Module { get; init; }
    [JsonPropertyName("pin_candidates")] public IReadOnlyList<string> PinCandidates { get; init; } = [];
}

/// <summary>
/// Keeps what a failing step needs to be replayed later ("Replay this step"): the weights the step started from (the
/// ones a rollback throws away), its failing micro-batch, and a PNG of each sample's global view, in one folder per
/// failure under the run's <c>failures/</c>: <c>step_000023/</c> holding <c>config.json</c> and <c>model.safetensors</c>
/// (a nanoVLM checkpoint), <c>batch.safetensors</c>, <c>snapshot.json</c> and <c>sample_N.png</c>. Written atomically, like
/// a checkpoint. A snapshot that cannot be written never stops the run: the alert then has no replay.
/// </summary>
public sealed class FailureSnapshots(string directory)
{
    public const string FolderName = "failures";
    public const string InfoFileName = "snapshot.json";
    public const string BatchFileName = "batch.safetensors";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Why the last snapshot could not be written, if it could not.</summary>
    public string? Problem { get; private set; }

    /// <summary>The thumbnail of sample <paramref name="index"/> in a snapshot folder.</summary>
    public static string ThumbnailName(int index) => $"sample_{index.ToString(CultureInfo.InvariantCulture)}.png";

    /// <summary>Writes the snapshot of a failing step; returns its folder, or null (with <see cref="Problem"/>) when it could not be written.</summary>
    public string? Keep(TrainingSession session, TrainingBatch failing, NanDiagnosisReport diagnosis)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(failing);
        ArgumentNullException.ThrowIfNull(diagnosis);
        var folder = FreeFolder(diagnosis.FailedStep);
        try
        {
            using var scope = NewDisposeScope();
            var imagesPerSample = ImagesPerSample(session, failing);
            var info = new FailureSnapshotInfo
            {
                Step = diagnosis.FailedStep,
                Precision = session.Precision,
                PinnedModules = session.Pins.Modules,
                LossScale = diagnosis.LossScale,
                SampleIds = failing.SampleIds,
                ImagesPerSample = imagesPerSample,
                Verdict = diagnosis.Verdict,
                Module = diagnosis.Module,
                PinCandidates = diagnosis.PinCandidates,
            };
            NanoVlmCheckpoint.Save(session.Model, folder, staging =>
            {
                var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
                {
                    ["input_ids"] = failing.InputIds,
                    ["attention_mask"] = failing.AttentionMask,
                    ["labels"] = failing.Labels,
                };
                if (failing.PixelValues is { } pixels) tensors["pixel_values"] = pixels;
                SafeTensors.Save(Path.Combine(staging, BatchFileName), tensors);
                File.WriteAllText(Path.Combine(staging, InfoFileName), JsonSerializer.Serialize(info, Json));
                WriteThumbnails(staging, failing, imagesPerSample);
            });
            Problem = null;
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problem = $"The failing step could not be kept for replay in {folder}: {e.Message}";
            return null;
        }
    }

    /// <summary>Reads a snapshot's <c>snapshot.json</c>.</summary>
    public static FailureSnapshotInfo ReadInfo(string folder)
    {
        var path = Path.Combine(folder, InfoFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{folder} is not a failure snapshot (no {InfoFileName}).", path);
        return JsonSerializer.Deserialize<FailureSnapshotInfo>(File.ReadAllText(path), Json)
               ?? throw new InvalidDataException($"{path} is empty.");
    }

    /// <summary>The snapshot's batch, in the caller's dispose scope.</summary>
    public static TrainingBatch ReadBatch(string folder, FailureSnapshotInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var tensors = SafeTensors.Load(Path.Combine(folder, BatchFileName));
        return new TrainingBatch(tensors["input_ids"], tensors["attention_mask"], tensors["labels"],
            tensors.GetValueOrDefault("pixel_values"), info.SampleIds);
    }

    private string FreeFolder(int step)
    {
        var name = "step_" + step.ToString("D6", CultureInfo.InvariantCulture);
        var folder = Path.Combine(Directory, name);
        // A step that fails again after a rollback gets a folder of its own: each alert replays its own weights.
        for (var again = 2; System.IO.Directory.Exists(folder); again++) folder = Path.Combine(Directory, $"{name}-{again.ToString(CultureInfo.InvariantCulture)}");
        return folder;
    }

    private static int[] ImagesPerSample(TrainingSession session, TrainingBatch batch)
    {
        using Scalar imageToken = session.Model.Config.ImageTokenId;
        var perRow = batch.InputIds.eq(imageToken).sum(1).to(CPU).data<long>().ToArray(); // [B] placeholders per row
        return [.. perRow.Select(n => (int)(n / session.Model.Config.MpImageTokenLength))];
    }

    /// <summary>Each sample's first view (the global one), as a PNG; non-finite pixels are drawn magenta so they show.</summary>
    private static void WriteThumbnails(string folder, TrainingBatch batch, int[] imagesPerSample)
    {
        if (batch.PixelValues is not { } pixels || pixels.shape[0] == 0) return;
        var first = 0;
        for (var row = 0; row < imagesPerSample.Length; row++)
        {
            if (imagesPerSample[row] > 0 && first < pixels.shape[0])
            {
                using var image = ToImage(pixels[first]);
                image.SaveAsPng(Path.Combine(folder, ThumbnailName(row)));
            }
            first += imagesPerSample[row];
        }
    }

    /// <param name="view">[3, S, S] float32 in [0, 1]</param>
    private static Image<Rgb24> ToImage(Tensor view)
    {
        using var scope = NewDisposeScope();
        var (height, width) = ((int)view.shape[1], (int)view.shape[2]);
        var values = view.to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray(); // [3·S·S] channel-major
        var image = new Image<Rgb24>(width, height);
        var plane = height * width;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = y * width + x;
                var (r, g, b) = (values[at], values[plane + at], values[2 * plane + at]);
                image[x, y] = float.IsFinite(r) && float.IsFinite(g) && float.IsFinite(b)
                    ? new Rgb24(Byte(r), Byte(g), Byte(b))
                    : new Rgb24(255, 0, 255);
            }
        }
        return image;
    }

    private static byte Byte(float value) => (byte)Math.Clamp(MathF.Round(value * 255), 0, 255);
}
