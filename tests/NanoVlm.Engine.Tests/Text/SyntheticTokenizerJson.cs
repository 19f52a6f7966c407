using System.Text.Json.Nodes;
using NanoVlm.Engine.Text;

namespace NanoVlm.Engine.Tests.Text;

/// <summary>Builds small tokenizer.json documents in memory for tests of loading rules and id assignment.</summary>
public static class SyntheticTokenizerJson
{
    /// <summary>
    /// A byte-level BPE with the 256 byte characters, <paramref name="merges"/>, special tokens at the given
    /// ids, and filler entries up to <paramref name="vocabularySize"/> (SmolLM2's layout: 49152 entries,
    /// &lt;|endoftext|&gt; = 0, &lt;|im_start|&gt; = 1, &lt;|im_end|&gt; = 2).
    /// </summary>
    public static JsonObject ByteLevelBpe(
        int vocabularySize = 300,
        IReadOnlyList<(string Content, int Id)>? specials = null,
        IReadOnlyList<string>? merges = null)
    {
        specials ??= [];
        merges ??= [];
        var vocab = new JsonObject();
        var used = new HashSet<int>(specials.Select(s => s.Id));
        foreach ((string content, int id) in specials)
        {
            vocab[content] = id;
        }
        int next = 0;
        int NextFree()
        {
            while (used.Contains(next)) next++;
            used.Add(next);
            return next;
        }
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteLevelAlphabet.ByteToChar((byte)b).ToString()] = NextFree();
        }
        foreach (string merge in merges)
        {
            string joined = merge.Replace(" ", "", StringComparison.Ordinal);
            if (!vocab.ContainsKey(joined)) vocab[joined] = NextFree();
        }
        for (int filler = 0; vocab.Count < vocabularySize; filler++)
        {
            vocab[$"<filler_{filler}>"] = NextFree();
        }

        var added = new JsonArray();
        foreach ((string content, int id) in specials)
        {
            added.Add(new JsonObject
            {
                ["id"] = id,
                ["content"] = content,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }
        JsonObject byteLevel() => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel(),
            ["post_processor"] = byteLevel(),
            ["decoder"] = byteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
            },
        };
    }

    /// <summary>SmolLM2's id layout: 49152 entries with the three ChatML-era specials at 0, 1, 2.</summary>
    public static HfTokenizer SmolLm2Layout() => HfTokenizer.FromJson(ByteLevelBpe(
        vocabularySize: 49152,
        specials: [("<|endoftext|>", 0), ("<|im_start|>", 1), ("<|im_end|>", 2)]).ToJsonString());
}
