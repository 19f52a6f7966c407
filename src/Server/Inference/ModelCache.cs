using Microsoft.Extensions.Options;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;

namespace NanoVlm.Server.Inference;

/// <summary>
/// Loaded models by id, evicted least-recently-used first to stay within the configured budget (estimated
/// from parameter counts: 4 bytes per float32 weight). Used only from the inference thread.
/// </summary>
public sealed class ModelCache(IOptions<InferenceOptions> options, ModelCatalog catalog) : IDisposable
{
    private readonly long _budgetBytes = (long)options.Value.ModelCacheMegabytes * 1024 * 1024;
    private readonly LinkedList<(string Id, LoadedVlm Model, long Bytes)> _entries = new();

    public IReadOnlyList<string> LoadedIds => [.. _entries.Select(e => e.Id)];

    public LoadedVlm Get(string modelId)
    {
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (node.Value.Id == modelId)
            {
                _entries.Remove(node);
                _entries.AddFirst(node);
                return node.Value.Model;
            }
        }
        var loaded = catalog.Load(modelId);
        var bytes = ParameterCount.Of(loaded.Config).Total * sizeof(float);
        while (_entries.Count > 0 && _entries.Sum(e => e.Bytes) + bytes > _budgetBytes)
        {
            var oldest = _entries.Last!.Value;
            _entries.RemoveLast();
            oldest.Model.Dispose();
        }
        _entries.AddFirst((modelId, loaded, bytes));
        return loaded;
    }

    public void Dispose()
    {
        foreach (var entry in _entries)
        {
            entry.Model.Dispose();
        }
        _entries.Clear();
    }
}
