namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>
/// The decoder dimensions of a SmolLM2 / Llama <c>config.json</c> (<c>LlamaForCausalLM</c>). Absent fields take
/// transformers' <c>LlamaConfig</c> defaults; features nanoVLM's decoder has no counterpart for (biases, RoPE
/// scaling, a head_dim other than hidden/heads, a non-SiLU MLP) are rejected with every reason listed.
/// </summary>
public sealed record LlamaBackboneConfig
{
    public required string Directory { get; init; }
    public required string Name { get; init; }
    public int VocabSize { get; init; } = 32000;
    public int HiddenSize { get; init; } = 4096;
    public int IntermediateSize { get; init; } = 11008;
    public int NumHiddenLayers { get; init; } = 32;
    public int NumAttentionHeads { get; init; } = 32;
    public int NumKeyValueHeads { get; init; } = 32;
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public double AttentionDropout { get; init; }

    /// <summary><c>tie_word_embeddings</c>: the head reuses the embedding and the file has no <c>lm_head.weight</c>.</summary>
    public bool TieWordEmbeddings { get; init; }

    public int HeadDim => HiddenSize / NumAttentionHeads;

    public const string ModelType = "llama";

    /// <summary>Reads and checks <c>config.json</c> in <paramref name="directory"/>.</summary>
    public static LlamaBackboneConfig Read(string directory)
    {
        var root = HfConfigJson.Load(directory);
        var modelType = root.String("model_type")
            ?? throw new HfBackboneFormatException($"{root.File} has no model_type; expected '{ModelType}' (SmolLM2 and other Llama-architecture models).");
        if (modelType != ModelType)
            throw new UnsupportedHfBackboneException(directory, modelType,
                [$"the language backbone must be a Llama-architecture model (model_type '{ModelType}', e.g. SmolLM2)."]);

        var problems = new List<string>();
        var heads = root.Int("num_attention_heads", 32);
        var config = new LlamaBackboneConfig
        {
            Directory = directory,
            Name = root.BackboneName(directory),
            VocabSize = root.Int("vocab_size", 32000),
            HiddenSize = root.Int("hidden_size", 4096),
            IntermediateSize = root.Int("intermediate_size", 11008),
            NumHiddenLayers = root.Int("num_hidden_layers", 32),
            NumAttentionHeads = heads,
            NumKeyValueHeads = root.Int("num_key_value_heads", heads),
            MaxPositionEmbeddings = root.Int("max_position_embeddings", 2048),
            RmsNormEps = root.Double("rms_norm_eps", 1e-6),
            RopeTheta = ReadRopeTheta(root, problems),
            AttentionDropout = root.Double("attention_dropout", 0),
            TieWordEmbeddings = root.Bool("tie_word_embeddings", false),
        };

        var act = root.String("hidden_act") ?? "silu";
        if (act != "silu")
            problems.Add($"hidden_act is '{act}'; nanoVLM's decoder MLP is SwiGLU with SiLU.");
        if (root.Bool("attention_bias", false))
            problems.Add("attention_bias is true; nanoVLM's q/k/v/o projections have no bias.");
        if (root.Bool("mlp_bias", false))
            problems.Add("mlp_bias is true; nanoVLM's gate/up/down projections have no bias.");
        if (config.HiddenSize <= 0 || config.NumAttentionHeads <= 0 || config.NumKeyValueHeads <= 0 || config.NumHiddenLayers <= 0
            || config.IntermediateSize <= 0 || config.VocabSize <= 0)
        {
            problems.Add($"sizes must be positive (vocab_size {config.VocabSize}, hidden_size {config.HiddenSize}, intermediate_size {config.IntermediateSize}, num_hidden_layers {config.NumHiddenLayers}, num_attention_heads {config.NumAttentionHeads}, num_key_value_heads {config.NumKeyValueHeads}).");
        }
        else
        {
            if (config.HiddenSize % config.NumAttentionHeads != 0)
                problems.Add($"hidden_size ({config.HiddenSize}) is not divisible by num_attention_heads ({config.NumAttentionHeads}).");
            else if (root.OptionalInt("head_dim") is { } headDim && headDim != config.HeadDim)
                problems.Add($"head_dim is {headDim}, but nanoVLM derives it as hidden_size / num_attention_heads = {config.HeadDim}.");
            if (config.NumAttentionHeads % config.NumKeyValueHeads != 0)
                problems.Add($"num_attention_heads ({config.NumAttentionHeads}) is not divisible by num_key_value_heads ({config.NumKeyValueHeads}).");
        }
        return problems.Count == 0 ? config : throw new UnsupportedHfBackboneException(directory, modelType, problems);
    }

    /// <summary>
    /// <c>rope_theta</c> (transformers 4.x) or <c>rope_parameters.rope_theta</c> (5.x). Only plain RoPE is
    /// supported: nanoVLM has its own fixed scaling past <c>lm_max_position_embeddings</c> and no llama3/yarn/linear variants.
    /// </summary>
    private static double ReadRopeTheta(HfConfigJson root, List<string> problems)
    {
        var theta = root.Double("rope_theta", 10000);
        foreach (var key in new[] { "rope_scaling", "rope_parameters" })
        {
            var rope = root.Child(key);
            if (rope is null) continue;
            var type = rope.String("rope_type") ?? rope.String("type") ?? "default";
            if (type != "default")
                problems.Add($"{key} has rope_type '{type}'; nanoVLM's decoder implements plain RoPE only.");
            theta = rope.OptionalDouble("rope_theta") ?? theta;
        }
        return theta;
    }
}
