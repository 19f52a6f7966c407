namespace NanoVlm.Engine.Text;

/// <summary>
/// A tokenizer.json "post_processor", reduced to what changes ids for one sequence: the special
/// tokens a template puts around it when <c>addSpecialTokens</c> is true. ByteLevel's post-processor
/// only adjusts offsets, so it is the identity here.
/// </summary>
public sealed class PostProcessor
{
    /// <summary>The post-processor types this loader implements.</summary>
    public const string SupportedTypes = "ByteLevel, TemplateProcessing (single sequence), Sequence (of those), or none";

    private readonly int[] _prefixIds;
    private readonly int[] _suffixIds;

    public PostProcessor(IEnumerable<int> prefixIds, IEnumerable<int> suffixIds)
    {
        _prefixIds = prefixIds.ToArray();
        _suffixIds = suffixIds.ToArray();
    }

    public static PostProcessor None { get; } = new([], []);

    /// <summary>Ids placed before the sequence (e.g. Llama-3's &lt;|begin_of_text|&gt;).</summary>
    public IReadOnlyList<int> PrefixIds => _prefixIds;

    /// <summary>Ids placed after the sequence.</summary>
    public IReadOnlyList<int> SuffixIds => _suffixIds;

    public int[] Apply(List<int> ids, bool addSpecialTokens)
    {
        if (!addSpecialTokens || (_prefixIds.Length == 0 && _suffixIds.Length == 0))
        {
            return ids.ToArray();
        }
        var result = new int[_prefixIds.Length + ids.Count + _suffixIds.Length];
        _prefixIds.CopyTo(result, 0);
        ids.CopyTo(result, _prefixIds.Length);
        _suffixIds.CopyTo(result, _prefixIds.Length + ids.Count);
        return result;
    }
}
