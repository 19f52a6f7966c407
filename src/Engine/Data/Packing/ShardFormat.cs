namespace NanoVlm.Engine.Data.Packing;

/// <summary>
/// Names and constants of the shard format (docs/distributed.md, "Shard format"): tokenized, labelled,
/// image-preprocessed samples that the PyTorch engine (src/Distributed) trains on without a tokenizer or image code.
/// </summary>
public static class ShardFormat
{
    /// <summary>The folder's index, written last: a folder with an index is complete.</summary>
    public const string IndexFileName = "index.json";

    /// <summary>index.json's <c>format</c>.</summary>
    public const string Name = "nanovlm-shards";

    /// <summary>index.json's <c>version</c>.</summary>
    public const int Version = 1;

    /// <summary>A shard file's <c>__metadata__.format</c>.</summary>
    public const string FileFormat = "nanovlm-shards/1";

    public const string TrainSplit = "train";
    public const string ValidationSplit = "validation";

    /// <summary>Tensor names of a shard file.</summary>
    public const string InputIds = "input_ids";
    public const string Labels = "labels";
    public const string TokenOffsets = "token_offsets";
    public const string PixelValues = "pixel_values";
    public const string TileOffsets = "tile_offsets";

    /// <summary>Metadata key of the samples' ids (a JSON array, as a string).</summary>
    public const string SampleIdsKey = "sample_ids";

    /// <summary>The label excluded from the loss.</summary>
    public const long IgnoreIndex = -100;

    /// <summary>The file name of a split's k-th shard: <c>train-00000.safetensors</c>.</summary>
    public static string ShardFileName(string split, int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{split}-{index:D5}.safetensors");
}
