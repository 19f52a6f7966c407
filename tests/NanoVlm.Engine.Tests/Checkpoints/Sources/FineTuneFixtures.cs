using System.Text.Json.Nodes;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Tests.Text;

namespace NanoVlm.Engine.Tests.Checkpoints.Sources;

/// <summary>Folders to start runs from: copies of the Python reference's checkpoints, and tokenizers that fit them.</summary>
internal static class FineTuneFixtures
{
    /// <summary>The reference cases' base vocabulary (their config.json: lm_base_vocab_size 300, <c>&lt;|image|&gt;</c> = 300).</summary>
    public const int ReferenceBaseVocabulary = 300;

    /// <summary>
    /// A byte-level BPE tokenizer.json of <paramref name="size"/> tokens laid out like SmolLM2's (<c>&lt;|endoftext|&gt;</c> 0,
    /// <c>&lt;|im_start|&gt;</c> 1, <c>&lt;|im_end|&gt;</c> 2, then the 256 byte tokens and a few merges), so nanoVLM's extra tokens
    /// start at <paramref name="size"/>. With <paramref name="withExtraTokens"/> it already holds them (as a tokenizer saved by
    /// nanoVLM's own tokenizer does), at the same ids.
    /// </summary>
    public static string WriteTokenizer(string path, int size = ReferenceBaseVocabulary, bool withExtraTokens = false)
    {
        var json = SyntheticTokenizerJson.ByteLevelBpe(size,
            specials: [("<|endoftext|>", 0), ("<|im_start|>", 1), ("<|im_end|>", 2)],
            merges: ["Ġ t", "h e", "Ġ a", "i n", "Ġt he", "e r"]);
        if (withExtraTokens)
        {
            var added = (JsonArray)json["added_tokens"]!;
            var vocab = (JsonObject)json["model"]!["vocab"]!;
            var id = size;
            foreach (var token in NanoVlm.Engine.Text.NanoVlmTokenizer.ExtraTokens)
            {
                vocab[token] = id;
                added.Add(new JsonObject
                {
                    ["id"] = id++, ["content"] = token, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = false, ["special"] = true,
                });
            }
        }
        var file = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        File.WriteAllText(file, json.ToJsonString());
        return file;
    }

    /// <summary>A writable copy of a reference case's model folder (config.json + model.safetensors).</summary>
    public static string CopyReferenceModel(string caseName, string target)
    {
        var source = Path.Combine(ReferenceCases.PathOf(caseName), "model");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            var copy = Path.Combine(target, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetAttributes(copy, FileAttributes.Normal); // the shared cases are read-only
        }
        return target;
    }

    /// <summary>Rewrites one field of a folder's config.json.</summary>
    public static void EditConfig(string folder, string field, JsonNode value)
    {
        var path = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[field] = value;
        File.WriteAllText(path, config.ToJsonString());
    }
}
