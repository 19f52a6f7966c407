using System.Text.Json.Nodes;
using NanoVlm.Engine.Checkpoints;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Checkpoints.HuggingFace;

/// <summary>How a test SigLIP folder's config.json is written.</summary>
public enum VisionConfigStyle
{
    /// <summary>A full <c>SiglipConfig</c> (model_type siglip) with text_config and vision_config; the file has a text tower too.</summary>
    DualEncoder,

    /// <summary>A <c>SiglipVisionConfig</c> (model_type siglip_vision_model), vision tensors only.</summary>
    VisionOnly,

    /// <summary>A SigLIP2 NaFlex <c>Siglip2Config</c>: Linear patch embedding over (row, col, channel) patches, num_patches grid.</summary>
    Siglip2NaFlex,
}

/// <summary>Tiny SigLIP dimensions (defaults: 16 px images in 4 px patches, a 4×4 grid).</summary>
internal sealed record VisionDims(int Hidden = 16, int Inter = 24, int Layers = 2, int Heads = 2, int Patch = 4, int Image = 16)
{
    public int Grid => Image / Patch;
}

/// <summary>Tiny Llama dimensions (defaults: vocab 40, hidden 16, 4 query / 2 KV heads of 4).</summary>
internal sealed record LanguageDims(
    int Vocab = 40, int Hidden = 16, int Inter = 24, int Layers = 2, int Heads = 4, int KvHeads = 2,
    int MaxPositions = 256, double RmsEps = 1e-5, double RopeTheta = 10000, bool Tied = true)
{
    public int HeadDim => Hidden / Heads;
}

/// <summary>
/// Writes Hugging Face-format backbone folders (config.json + safetensors under HF key names) with random weights.
/// Tensors are created first, so a test can remove, reshape or add some before writing.
/// </summary>
internal static class HfBackboneFixtures
{
    /// <summary>The HF tensors of a SigLIP vision tower (plus a text tower and pooling head for <see cref="VisionConfigStyle.DualEncoder"/>).</summary>
    public static Dictionary<string, Tensor> SiglipTensors(VisionDims v, VisionConfigStyle style, int seed)
    {
        using var g = new Generator((ulong)seed);
        long d = v.Hidden, inter = v.Inter, p = v.Patch;
        Tensor Weight(params long[] shape) => randn(shape, generator: g).mul_(0.3);
        Tensor Norm() => randn([d], generator: g).mul_(0.1).add_(1);

        var t = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        const string e = "vision_model.embeddings.";
        t[e + "patch_embedding.weight"] = style == VisionConfigStyle.Siglip2NaFlex ? Weight(d, p * p * 3) : Weight(d, 3, p, p);
        t[e + "patch_embedding.bias"] = Weight(d);
        t[e + "position_embedding.weight"] = Weight(v.Grid * v.Grid, d);
        for (var i = 0; i < v.Layers; i++)
        {
            var l = $"vision_model.encoder.layers.{i}.";
            t[l + "layer_norm1.weight"] = Norm();
            t[l + "layer_norm1.bias"] = Weight(d);
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                t[$"{l}self_attn.{proj}.weight"] = Weight(d, d);
                t[$"{l}self_attn.{proj}.bias"] = Weight(d);
            }
            t[l + "layer_norm2.weight"] = Norm();
            t[l + "layer_norm2.bias"] = Weight(d);
            t[l + "mlp.fc1.weight"] = Weight(inter, d);
            t[l + "mlp.fc1.bias"] = Weight(inter);
            t[l + "mlp.fc2.weight"] = Weight(d, inter);
            t[l + "mlp.fc2.bias"] = Weight(d);
        }
        t["vision_model.post_layernorm.weight"] = Norm();
        t["vision_model.post_layernorm.bias"] = Weight(d);

        if (style == VisionConfigStyle.DualEncoder)
        {
            // Parts nanoVLM does not use: an old position_ids buffer, the pooling head, the text tower and the contrastive scale/bias.
            t["vision_model.embeddings.position_ids"] = arange(v.Grid * v.Grid, dtype: ScalarType.Int64).unsqueeze(0);
            t["vision_model.head.probe"] = Weight(1, 1, d);
            t["vision_model.head.attention.in_proj_weight"] = Weight(3 * d, d);
            t["text_model.embeddings.token_embedding.weight"] = Weight(10, 8);
            t["text_model.final_layer_norm.weight"] = Weight(8);
            t["logit_scale"] = Weight(1);
            t["logit_bias"] = Weight(1);
        }
        return t;
    }

    public static JsonObject SiglipConfig(VisionDims v, VisionConfigStyle style)
    {
        var vision = new JsonObject
        {
            ["hidden_size"] = v.Hidden,
            ["intermediate_size"] = v.Inter,
            ["num_hidden_layers"] = v.Layers,
            ["num_attention_heads"] = v.Heads,
            ["patch_size"] = v.Patch,
            ["layer_norm_eps"] = 1e-6,
            ["hidden_act"] = "gelu_pytorch_tanh",
        };
        switch (style)
        {
            case VisionConfigStyle.VisionOnly:
                vision["model_type"] = "siglip_vision_model";
                vision["image_size"] = v.Image;
                vision["_name_or_path"] = "test/siglip-vision-tiny";
                return vision;
            case VisionConfigStyle.DualEncoder:
                vision["model_type"] = "siglip_vision_model";
                vision["image_size"] = v.Image;
                return new JsonObject
                {
                    ["model_type"] = "siglip",
                    ["_name_or_path"] = "test/siglip-tiny",
                    ["text_config"] = new JsonObject { ["model_type"] = "siglip_text_model", ["hidden_size"] = 8, ["vocab_size"] = 10 },
                    ["vision_config"] = vision,
                };
            default:
                vision["model_type"] = "siglip2_vision_model";
                vision["num_patches"] = v.Grid * v.Grid;
                return new JsonObject
                {
                    ["model_type"] = "siglip2",
                    ["text_config"] = new JsonObject { ["model_type"] = "siglip2_text_model" },
                    ["vision_config"] = vision,
                };
        }
    }

    /// <summary>The HF tensors of a LlamaForCausalLM (with <c>lm_head.weight</c> when untied).</summary>
    public static Dictionary<string, Tensor> LlamaTensors(LanguageDims l, int seed)
    {
        using var g = new Generator((ulong)seed);
        long h = l.Hidden, inter = l.Inter, q = (long)l.Heads * l.HeadDim, kv = (long)l.KvHeads * l.HeadDim;
        Tensor Weight(params long[] shape) => randn(shape, generator: g).mul_(0.3);
        Tensor Norm() => randn([h], generator: g).mul_(0.1).add_(1);

        var t = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["model.embed_tokens.weight"] = Weight(l.Vocab, h) };
        for (var i = 0; i < l.Layers; i++)
        {
            var p = $"model.layers.{i}.";
            t[p + "self_attn.q_proj.weight"] = Weight(q, h);
            t[p + "self_attn.k_proj.weight"] = Weight(kv, h);
            t[p + "self_attn.v_proj.weight"] = Weight(kv, h);
            t[p + "self_attn.o_proj.weight"] = Weight(h, q);
            t[p + "mlp.gate_proj.weight"] = Weight(inter, h);
            t[p + "mlp.up_proj.weight"] = Weight(inter, h);
            t[p + "mlp.down_proj.weight"] = Weight(h, inter);
            t[p + "input_layernorm.weight"] = Norm();
            t[p + "post_attention_layernorm.weight"] = Norm();
        }
        t["model.norm.weight"] = Norm();
        if (!l.Tied) t["lm_head.weight"] = Weight(l.Vocab, h);
        return t;
    }

    public static JsonObject LlamaConfig(LanguageDims l) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["_name_or_path"] = "test/smollm2-tiny",
        ["vocab_size"] = l.Vocab,
        ["hidden_size"] = l.Hidden,
        ["intermediate_size"] = l.Inter,
        ["num_hidden_layers"] = l.Layers,
        ["num_attention_heads"] = l.Heads,
        ["num_key_value_heads"] = l.KvHeads,
        ["max_position_embeddings"] = l.MaxPositions,
        ["rms_norm_eps"] = l.RmsEps,
        ["rope_theta"] = l.RopeTheta,
        ["rope_scaling"] = null,
        ["hidden_act"] = "silu",
        ["attention_bias"] = false,
        ["tie_word_embeddings"] = l.Tied,
        ["torch_dtype"] = "bfloat16",
    };

    /// <summary>
    /// Writes <c>config.json</c> and the weights: one <c>model.safetensors</c>, or <paramref name="shards"/> files
    /// (tensors dealt round-robin) with <c>model.safetensors.index.json</c>. Returns the tensors as stored, in
    /// float32 (so a bfloat16 folder's reference values carry the rounding).
    /// </summary>
    public static Dictionary<string, Tensor> Write(string directory, JsonObject config, Dictionary<string, Tensor> tensors, int shards = 1, ScalarType dtype = ScalarType.Float32)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        // Integer tensors keep their dtype (error tests plant them on purpose).
        var stored = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(dtype) : kv.Value, StringComparer.Ordinal);
        if (shards == 1)
        {
            SafeTensors.Save(Path.Combine(directory, "model.safetensors"), stored, new Dictionary<string, string> { ["format"] = "pt" });
        }
        else
        {
            var names = stored.Keys.Order(StringComparer.Ordinal).ToList();
            var weightMap = new JsonObject();
            for (var s = 0; s < shards; s++)
            {
                var file = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
                var part = names.Where((_, i) => i % shards == s).ToDictionary(n => n, n => stored[n], StringComparer.Ordinal);
                SafeTensors.Save(Path.Combine(directory, file), part);
                foreach (var name in part.Keys) weightMap[name] = file;
            }
            var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = weightMap };
            File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"), index.ToJsonString());
        }
        return stored.ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(ScalarType.Float32) : kv.Value, StringComparer.Ordinal);
    }

    /// <summary>A vision folder and a language folder under <paramref name="root"/>, with their stored tensors.</summary>
    public static (string Vision, string Language, Dictionary<string, Tensor> VisionTensors, Dictionary<string, Tensor> LanguageTensors) WritePair(
        string root, VisionDims? v = null, LanguageDims? l = null, VisionConfigStyle style = VisionConfigStyle.DualEncoder, int languageShards = 1)
    {
        v ??= new VisionDims();
        l ??= new LanguageDims();
        var vision = Path.Combine(root, "siglip");
        var language = Path.Combine(root, "smollm2");
        var visionTensors = Write(vision, SiglipConfig(v, style), SiglipTensors(v, style, seed: 11));
        var languageTensors = Write(language, LlamaConfig(l), LlamaTensors(l, seed: 12), languageShards);
        return (vision, language, visionTensors, languageTensors);
    }
}
