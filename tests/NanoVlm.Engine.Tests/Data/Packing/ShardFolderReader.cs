using System.Text.Json;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Data.Packing;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Data.Packing;

/// <summary>Reads a shard folder back for the tests: every sample of a split, in order, with its tiles.</summary>
internal static class ShardFolderReader
{
    public sealed record Sample(string Id, long[] InputIds, long[] Labels, float[] Pixels, int Tiles);

    public static ShardIndex Index(string folder) =>
        JsonSerializer.Deserialize<ShardIndex>(File.ReadAllText(Path.Combine(folder, ShardFormat.IndexFileName)))!;

    public static List<Sample> Split(string folder, string split)
    {
        var samples = new List<Sample>();
        if (!Index(folder).Splits.TryGetValue(split, out var info)) return samples;
        foreach (var shard in info.Shards)
        {
            var path = Path.Combine(folder, shard.File);
            var (_, metadata) = SafeTensors.ReadHeader(path);
            Assert.Equal(ShardFormat.FileFormat, metadata["format"]);
            var ids = JsonSerializer.Deserialize<string[]>(metadata[ShardFormat.SampleIdsKey])!;
            using var scope = NewDisposeScope();
            var tensors = SafeTensors.Load(path);
            var inputIds = tensors[ShardFormat.InputIds].data<long>().ToArray();
            var labels = tensors[ShardFormat.Labels].data<long>().ToArray();
            var tokenOffsets = tensors[ShardFormat.TokenOffsets].data<long>().ToArray();
            var tileOffsets = tensors[ShardFormat.TileOffsets].data<long>().ToArray();
            var pixels = tensors[ShardFormat.PixelValues];
            Assert.Equal(ScalarType.Float32, pixels.dtype);
            var tileValues = (int)(pixels.shape[1] * pixels.shape[2] * pixels.shape[3]);
            var pixelData = pixels.data<float>().ToArray();
            Assert.Equal(shard.Samples, ids.Length);
            for (var k = 0; k < ids.Length; k++)
            {
                var (start, stop) = ((int)tokenOffsets[k], (int)tokenOffsets[k + 1]);
                var (first, last) = ((int)tileOffsets[k], (int)tileOffsets[k + 1]);
                samples.Add(new Sample(ids[k], inputIds[start..stop], labels[start..stop], pixelData[(first * tileValues)..(last * tileValues)], last - first));
            }
        }
        return samples;
    }
}
