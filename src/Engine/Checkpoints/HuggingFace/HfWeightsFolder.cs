using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>Where one tensor of a backbone lives: its safetensors header entry and the file that holds it.</summary>
public sealed record HfTensorLocation(SafeTensorEntry Entry, string File);

/// <summary>
/// The safetensors weights of a Hugging Face model folder: a single <c>model.safetensors</c>, or shards listed by
/// <c>model.safetensors.index.json</c> (tried first, as transformers does). Only headers are read up front, so
/// names, shapes and dtypes can be checked before any tensor data is loaded.
/// </summary>
public sealed class HfWeightsFolder
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private HfWeightsFolder(string directory, IReadOnlyDictionary<string, HfTensorLocation> tensors, IReadOnlyList<string> files)
    {
        Directory = directory;
        Tensors = tensors;
        Files = files;
    }

    public string Directory { get; }

    /// <summary>Every tensor in the folder's weights, by name.</summary>
    public IReadOnlyDictionary<string, HfTensorLocation> Tensors { get; }

    /// <summary>The weight files read (one, or the shards in index order).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Reads the headers of the folder's weights; missing or inconsistent files are one clear error.</summary>
    public static HfWeightsFolder Open(string directory)
    {
        var indexPath = Path.Combine(directory, IndexFileName);
        var singlePath = Path.Combine(directory, SingleFileName);
        if (File.Exists(indexPath)) return OpenSharded(directory, indexPath);
        if (File.Exists(singlePath)) return OpenFiles(directory, [singlePath], expectedPlacement: null);

        var hint = File.Exists(Path.Combine(directory, "pytorch_model.bin")) || File.Exists(Path.Combine(directory, "pytorch_model.bin.index.json"))
            ? " It has PyTorch .bin weights, which are not read here (pickle); convert them to safetensors first."
            : "";
        throw new HfBackboneFormatException($"{directory} has neither {SingleFileName} nor {IndexFileName}.{hint}");
    }

    /// <summary>
    /// Loads the named tensors onto the CPU in their stored dtype, reading each file once. Tensors are created in
    /// the caller's dispose scope.
    /// </summary>
    public Dictionary<string, Tensor> Load(IEnumerable<string> names)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var group in names.Distinct(StringComparer.Ordinal).GroupBy(n => Tensors[n].File))
        {
            var wanted = group.ToHashSet(StringComparer.Ordinal);
            foreach (var (name, tensor) in SafeTensors.Load(group.Key, wanted.Contains)) result.Add(name, tensor);
        }
        return result;
    }

    private static HfWeightsFolder OpenSharded(string directory, string indexPath)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(indexPath));
        }
        catch (JsonException e)
        {
            throw new HfBackboneFormatException($"{indexPath} is not valid JSON: {e.Message}", e);
        }
        if (root?["weight_map"] is not JsonObject weightMap)
            throw new HfBackboneFormatException($"{indexPath} has no \"weight_map\" object (tensor name → shard file).");

        var placement = new Dictionary<string, string>(StringComparer.Ordinal);
        var shardNames = new List<string>();
        foreach (var (tensorName, value) in weightMap)
        {
            string? shard = null;
            if (value is JsonValue v) v.TryGetValue(out shard);
            // Shards must be plain file names beside the index: a path could read files outside the folder.
            if (string.IsNullOrEmpty(shard) || shard != Path.GetFileName(shard) || shard is "." or "..")
                throw new HfBackboneFormatException($"{indexPath}: tensor '{tensorName}' maps to {value?.ToJsonString() ?? "null"}, which is not a shard file name in the same folder.");
            placement[tensorName] = shard;
            if (!shardNames.Contains(shard, StringComparer.Ordinal)) shardNames.Add(shard);
        }
        if (shardNames.Count == 0) throw new HfBackboneFormatException($"{indexPath} lists no tensors.");

        var absent = shardNames.Where(s => !File.Exists(Path.Combine(directory, s))).ToList();
        if (absent.Count > 0)
        {
            var lines = absent.Select(s => $"{s} (holds {placement.Values.Count(v => v == s)} tensors)");
            throw new HfBackboneFormatException(
                $"{indexPath} names shard files that are not in {directory}:{Environment.NewLine}  - " + string.Join(Environment.NewLine + "  - ", lines));
        }
        return OpenFiles(directory, shardNames.Select(s => Path.Combine(directory, s)).ToList(), placement);
    }

    /// <summary>
    /// Indexes the headers of <paramref name="files"/>. With an index, each tensor must be in the shard the index
    /// names: a disagreement means a stale index or a wrong shard, reported together as one error.
    /// </summary>
    private static HfWeightsFolder OpenFiles(string directory, IReadOnlyList<string> files, Dictionary<string, string>? expectedPlacement)
    {
        var tensors = new Dictionary<string, HfTensorLocation>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var file in files)
        {
            IReadOnlyList<SafeTensorEntry> entries;
            try
            {
                entries = SafeTensors.ReadHeader(file).Entries;
            }
            catch (Exception e) when (e is InvalidDataException or JsonException or EndOfStreamException or KeyNotFoundException)
            {
                throw new HfBackboneFormatException($"{file} is not a readable safetensors file: {e.Message}", e);
            }
            foreach (var entry in entries)
            {
                if (tensors.TryGetValue(entry.Name, out var earlier))
                    problems.Add($"{entry.Name} is in both {Path.GetFileName(earlier.File)} and {Path.GetFileName(file)}");
                else
                    tensors[entry.Name] = new HfTensorLocation(entry, file);
            }
        }
        if (expectedPlacement is not null)
        {
            foreach (var (name, shard) in expectedPlacement)
            {
                if (!tensors.TryGetValue(name, out var location))
                    problems.Add($"{name}: {IndexFileName} places it in {shard}, which does not hold it");
                else if (Path.GetFileName(location.File) != shard)
                    problems.Add($"{name}: {IndexFileName} places it in {shard}, but it is in {Path.GetFileName(location.File)}");
            }
        }
        if (problems.Count > 0)
            throw new HfBackboneFormatException($"The weight files in {directory} are inconsistent:{Environment.NewLine}  - " + string.Join(Environment.NewLine + "  - ", problems));
        return new HfWeightsFolder(directory, tensors, files);
    }
}
