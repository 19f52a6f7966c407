namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>How the SigLIP checkpoint embeds patches, which decides how its tensors map onto nanoVLM's ViT.</summary>
public enum SiglipPatchLayout
{
    /// <summary>SigLIP and the fixed-resolution SigLIP2 checkpoints: a Conv2d patch embedding, <c>image_size</c> fixed.</summary>
    Convolution,

    /// <summary>
    /// SigLIP2 NaFlex (<c>model_type</c> siglip2): a Linear over flattened (row, col, channel) patches and a
    /// <c>num_patches</c> position grid. Used here at its native square resolution, where it equals the conv form.
    /// </summary>
    FlattenedPatches,
}

/// <summary>
/// The vision tower dimensions of a SigLIP / SigLIP2 <c>config.json</c>, either a full <c>SiglipConfig</c> (dual
/// encoder, read from its <c>vision_config</c>) or a <c>SiglipVisionConfig</c>. Absent fields take the
/// transformers defaults (the Hub's SigLIP configs rely on them: most list little more than <c>image_size</c>).
/// </summary>
public sealed record SiglipVisionBackboneConfig
{
    public required string Directory { get; init; }
    public required string ModelType { get; init; }
    public required string Name { get; init; }
    public required SiglipPatchLayout PatchLayout { get; init; }
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int NumChannels { get; init; } = 3;
    public int PatchSize { get; init; } = 16;

    /// <summary>The square input size in pixels (for NaFlex: the native grid side times the patch size).</summary>
    public int ImageSize { get; init; } = 224;

    public double LayerNormEps { get; init; } = 1e-6;
    public double AttentionDropout { get; init; }
    public string HiddenAct { get; init; } = "gelu_pytorch_tanh";

    public int PatchesPerSide => ImageSize / PatchSize;
    public int NumPatches => PatchesPerSide * PatchesPerSide;

    /// <summary>Model types accepted at the top level of <c>config.json</c>.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["siglip", "siglip_vision_model", "siglip2", "siglip2_vision_model"];

    // Both are the tanh approximation of GELU that nanoVLM's ViT MLP uses.
    private static readonly string[] TanhGeluNames = ["gelu_pytorch_tanh", "gelu_new"];

    /// <summary>Reads and checks <c>config.json</c> in <paramref name="directory"/>.</summary>
    public static SiglipVisionBackboneConfig Read(string directory)
    {
        var root = HfConfigJson.Load(directory);
        var modelType = root.String("model_type")
            ?? throw new HfBackboneFormatException($"{root.File} has no model_type; expected one of {string.Join(", ", SupportedModelTypes)}.");

        var (vision, layout) = modelType switch
        {
            "siglip" => (root.Child("vision_config"), SiglipPatchLayout.Convolution),
            "siglip_vision_model" => (root, SiglipPatchLayout.Convolution),
            "siglip2" => (root.Child("vision_config"), SiglipPatchLayout.FlattenedPatches),
            "siglip2_vision_model" => (root, SiglipPatchLayout.FlattenedPatches),
            _ => throw new UnsupportedHfBackboneException(directory, modelType,
                [$"the vision backbone must be SigLIP or SigLIP2 (model_type {string.Join(", ", SupportedModelTypes)})."]),
        };

        // A dual-encoder config without vision_config means "all defaults", as in transformers.
        var config = new SiglipVisionBackboneConfig
        {
            Directory = directory,
            ModelType = modelType,
            Name = root.BackboneName(directory),
            PatchLayout = layout,
        };
        if (vision is null) return config.Checked();

        var patchSize = vision.Int("patch_size", config.PatchSize);
        int imageSize;
        var problems = new List<string>();
        if (layout == SiglipPatchLayout.Convolution)
        {
            imageSize = vision.Int("image_size", config.ImageSize);
        }
        else
        {
            var numPatches = vision.Int("num_patches", 256);
            var side = (int)Math.Round(Math.Sqrt(numPatches));
            if (side * side != numPatches)
                problems.Add($"num_patches ({numPatches}) is not a square grid, so there is no fixed resolution to use it at.");
            imageSize = side * patchSize;
        }

        config = config with
        {
            HiddenSize = vision.Int("hidden_size", config.HiddenSize),
            IntermediateSize = vision.Int("intermediate_size", config.IntermediateSize),
            NumHiddenLayers = vision.Int("num_hidden_layers", config.NumHiddenLayers),
            NumAttentionHeads = vision.Int("num_attention_heads", config.NumAttentionHeads),
            NumChannels = vision.Int("num_channels", config.NumChannels),
            PatchSize = patchSize,
            ImageSize = imageSize,
            LayerNormEps = vision.Double("layer_norm_eps", config.LayerNormEps),
            AttentionDropout = vision.Double("attention_dropout", config.AttentionDropout),
            HiddenAct = vision.String("hidden_act") ?? config.HiddenAct,
        };
        if (problems.Count > 0) throw new UnsupportedHfBackboneException(directory, modelType, problems);
        return config.Checked();
    }

    /// <summary>Rejects what nanoVLM's ViT cannot compute (it has 3 input channels and a tanh-GELU MLP).</summary>
    private SiglipVisionBackboneConfig Checked()
    {
        var problems = new List<string>();
        if (NumChannels != 3)
            problems.Add($"num_channels is {NumChannels}; nanoVLM's patch embedding takes RGB (3 channels).");
        if (!TanhGeluNames.Contains(HiddenAct, StringComparer.Ordinal))
            problems.Add($"hidden_act is '{HiddenAct}'; nanoVLM's ViT MLP is GELU with the tanh approximation ({string.Join(" or ", TanhGeluNames)}).");
        if (HiddenSize <= 0 || IntermediateSize <= 0 || NumHiddenLayers <= 0 || NumAttentionHeads <= 0 || PatchSize <= 0 || ImageSize <= 0)
            problems.Add($"sizes must be positive (hidden_size {HiddenSize}, intermediate_size {IntermediateSize}, num_hidden_layers {NumHiddenLayers}, num_attention_heads {NumAttentionHeads}, patch_size {PatchSize}, image size {ImageSize}).");
        else if (HiddenSize % NumAttentionHeads != 0)
            problems.Add($"hidden_size ({HiddenSize}) is not divisible by num_attention_heads ({NumAttentionHeads}).");
        else if (ImageSize % PatchSize != 0)
            problems.Add($"image_size ({ImageSize}) is not a multiple of patch_size ({PatchSize}).");
        return problems.Count == 0 ? this : throw new UnsupportedHfBackboneException(Directory, ModelType, problems);
    }
}
