using System.Globalization;
using System.Text;
using System.Text.Json;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Optimization;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Checkpoints;

/// <summary>A checkpoint on disk.</summary>
public sealed record CheckpointInfo(string Name, string Path, int Step);

/// <summary>What a checkpoint folder holds, loaded.</summary>
public sealed record LoadedCheckpoint(TrainerState State, Dictionary<string, Tensor> OptimizerState);

/// <summary>
/// The <c>checkpoints/</c> folder of a run: one folder per checkpoint, <c>step_000100/</c>, holding the model in
/// nanoVLM's format (<c>config.json</c>, <c>model.safetensors</c>) so any nanoVLM tool can load it, plus
/// <c>optimizer.safetensors</c> (AdamW moments) and <c>trainer_state.json</c>.
/// </summary>
/// <remarks>
/// Atomic: everything is written into a hidden staging folder beside the target and fsynced, and only then renamed
/// into place (replacing an older folder of the same step only once the new one is complete). A crash mid-write
/// leaves a hidden <c>.step_*.partial-*</c> folder that is never listed and is cleaned up by the next save, and
/// every listed checkpoint is whole. Retention keeps the last K and the best.
/// </remarks>
public sealed class CheckpointStore
{
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "trainer_state.json";
    private const string Prefix = "step_";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public CheckpointStore(string directory)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Test seam: called with the staging folder just before it is renamed into place (throw to simulate a crash).</summary>
    internal Action<string>? BeforeCommit { get; set; }

    /// <summary>Complete checkpoints, oldest first.</summary>
    public IReadOnlyList<CheckpointInfo> List() => System.IO.Directory.EnumerateDirectories(Directory, Prefix + "*")
        .Select(path => (path, name: System.IO.Path.GetFileName(path)))
        .Where(p => int.TryParse(p.name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                    && File.Exists(System.IO.Path.Combine(p.path, StateFileName)))
        .Select(p => new CheckpointInfo(p.name, p.path, int.Parse(p.name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture)))
        .OrderBy(c => c.Step)
        .ToArray();

    public CheckpointInfo? Latest
    {
        get
        {
            var all = List();
            return all.Count > 0 ? all[^1] : null;
        }
    }

    public static string NameFor(int step) => Prefix + step.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Writes a checkpoint atomically and returns where it is.</summary>
    public CheckpointInfo Save(VisionLanguageModel model, AdamW optimizer, TrainerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var name = NameFor(state.Step);
        var target = System.IO.Path.Combine(Directory, name);
        var staging = System.IO.Path.Combine(Directory, $".{name}.partial-{Guid.NewGuid():N}");
        try
        {
            try
            {
                RemoveAbandonedWrites();
                NanoVlmCheckpoint.Save(model, staging);
                using (var scope = NewDisposeScope())
                {
                    SafeTensors.Save(System.IO.Path.Combine(staging, OptimizerFileName), optimizer.ExportState(),
                        new Dictionary<string, string> { ["format"] = "nanovlm-web-adamw" });
                }
                WriteDurably(System.IO.Path.Combine(staging, StateFileName), JsonSerializer.Serialize(state, Json));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full disk or a folder that became unwritable: say where, why, and that nothing written is lost.
                throw new CheckpointWriteException(name, Directory, LatestOrNull()?.Name, e);
            }
            BeforeCommit?.Invoke(staging);
            Commit(staging, target);
        }
        finally
        {
            RemoveQuietly(staging);
        }
        return new CheckpointInfo(name, target, state.Step);
    }

    /// <summary>Reads the trainer state and optimizer moments of a checkpoint (the weights go through <see cref="LoadWeights"/>).</summary>
    public static LoadedCheckpoint Load(string checkpointPath)
    {
        var state = ReadState(checkpointPath);
        var optimizer = SafeTensors.Load(System.IO.Path.Combine(checkpointPath, OptimizerFileName));
        return new LoadedCheckpoint(state, optimizer);
    }

    /// <summary>Only the trainer state of a checkpoint (<c>trainer_state.json</c>): cheap, for checks before a run starts.</summary>
    public static TrainerState ReadState(string checkpointPath)
    {
        var statePath = System.IO.Path.Combine(checkpointPath, StateFileName);
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"{checkpointPath} is not a training checkpoint (no {StateFileName}).", statePath);
        return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath), Json)
               ?? throw new InvalidDataException($"{statePath} is empty.");
    }

    /// <summary>Copies the checkpoint's weights into an existing model of the same configuration.</summary>
    public static void LoadWeights(VisionLanguageModel model, string checkpointPath)
    {
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(System.IO.Path.Combine(checkpointPath, NanoVlmCheckpoint.WeightsFileName));
        NanoVlmCheckpoint.ImportStateDict(model, tensors, checkpointPath);
    }

    /// <summary>Deletes all but the last <paramref name="keepLast"/> checkpoints and the one named <paramref name="keepAlso"/>.</summary>
    public IReadOnlyList<string> ApplyRetention(int keepLast, string? keepAlso)
    {
        var all = List();
        var removed = new List<string>();
        foreach (var checkpoint in all.Take(Math.Max(0, all.Count - keepLast)))
        {
            if (checkpoint.Name == keepAlso) continue;
            System.IO.Directory.Delete(checkpoint.Path, recursive: true);
            removed.Add(checkpoint.Name);
        }
        return removed;
    }

    /// <summary>
    /// Deletes what interrupted writes left behind (hidden <c>.step_*</c> staging and replaced folders of a process
    /// killed mid-write). Only call it when no checkpoint of this folder is being written: on start-up, or before a save.
    /// </summary>
    public IReadOnlyList<string> RemoveAbandonedWrites()
    {
        var removed = new List<string>();
        foreach (var abandoned in System.IO.Directory.EnumerateDirectories(Directory, "." + Prefix + "*"))
        {
            System.IO.Directory.Delete(abandoned, recursive: true);
            removed.Add(System.IO.Path.GetFileName(abandoned));
        }
        return removed;
    }

    private CheckpointInfo? LatestOrNull()
    {
        try
        {
            return Latest;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void RemoveQuietly(string staging)
    {
        try
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for RemoveAbandonedWrites: it is hidden and never listed, and the original error matters more.
        }
    }

    private static void Commit(string staging, string target)
    {
        if (!System.IO.Directory.Exists(target))
        {
            System.IO.Directory.Move(staging, target);
            return;
        }
        var retired = target + $".replaced-{Guid.NewGuid():N}";
        var hiddenRetired = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target)!, "." + System.IO.Path.GetFileName(retired));
        System.IO.Directory.Move(target, hiddenRetired);
        System.IO.Directory.Move(staging, target);
        System.IO.Directory.Delete(hiddenRetired, recursive: true);
    }

    private static void WriteDurably(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(new UTF8Encoding(false).GetBytes(text));
        stream.Flush(flushToDisk: true);
    }
}
