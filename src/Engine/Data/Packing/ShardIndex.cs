using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Data.Packing;

/// <summary>
/// <c>index.json</c> of a shard folder: what the samples were made from, what the model must agree with (image token
/// id, tile size, placeholders per tile, vocabulary), and each split's files in training order.
/// </summary>
public sealed record ShardIndex
{
    [JsonPropertyName("format")] public string Format { get; init; } = ShardFormat.Name;
    [JsonPropertyName("version")] public int Version { get; init; } = ShardFormat.Version;

    /// <summary>What the samples were made from, in the <c>train --data</c> syntax (<c>synthetic:easy</c>, a DocVQA path).</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }

    [JsonPropertyName("image_token_id")] public required int ImageTokenId { get; init; }
    [JsonPropertyName("pad_token_id")] public required int PadTokenId { get; init; }

    /// <summary>S of every tile (the model's <c>vit_img_size</c>).</summary>
    [JsonPropertyName("tile_size")] public required int TileSize { get; init; }

    /// <summary>Placeholders per tile (the model's <c>mp_image_token_length</c>).</summary>
    [JsonPropertyName("image_token_length")] public required int ImageTokenLength { get; init; }

    /// <summary>Every id is below this (the model's <c>lm_vocab_size</c>).</summary>
    [JsonPropertyName("vocab_size")] public required int VocabSize { get; init; }

    /// <summary>The model's config.json the shards were made for.</summary>
    [JsonPropertyName("model")] public JsonNode? Model { get; init; }

    [JsonPropertyName("splits")] public Dictionary<string, ShardSplitInfo> Splits { get; init; } = [];
}

/// <summary>One split: totals and its files in order.</summary>
public sealed record ShardSplitInfo
{
    [JsonPropertyName("samples")] public long Samples { get; set; }
    [JsonPropertyName("tokens")] public long Tokens { get; set; }
    [JsonPropertyName("labelled_tokens")] public long LabelledTokens { get; set; }
    [JsonPropertyName("tiles")] public long Tiles { get; set; }
    [JsonPropertyName("max_sample_tokens")] public int MaxSampleTokens { get; set; }

    /// <summary>
    /// Informational, written by the C# packer: how many samples of the source the split consumed, those the collator
    /// dropped (too long, unreadable image) included. Equal to <see cref="Samples"/> when nothing was dropped; when not,
    /// a run that moves between engines reads the source from a shifted position (docs/distributed.md).
    /// </summary>
    [JsonPropertyName("source_samples")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SourceSamples { get; set; }

    [JsonPropertyName("shards")] public List<ShardFileInfo> Shards { get; init; } = [];
}

/// <summary>One shard file of a split.</summary>
public sealed record ShardFileInfo(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("samples")] int Samples,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("tiles")] long Tiles);
