using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NanoVlm.Engine.Data.Packing;

/// <summary>
/// Writes one shard file: a safetensors file holding samples back to back, unpadded (<c>input_ids</c>, <c>labels</c>,
/// <c>token_offsets</c> I64; <c>pixel_values</c> F32 [N, 3, S, S]; <c>tile_offsets</c> I64; the sample ids in the
/// metadata). Tokens are kept in memory (small); pixels are spooled to a temporary file as samples arrive, so memory
/// stays flat whatever the shard's size. <see cref="Complete"/> writes the file under a temporary name and renames it.
/// </summary>
internal sealed class ShardFileWriter : IDisposable
{
    private readonly string _path;
    private readonly int _tileSize;
    private readonly string _spoolPath;
    private readonly FileStream _pixels;
    private readonly List<long> _inputIds = [];
    private readonly List<long> _labels = [];
    private readonly List<long> _tokenOffsets = [0];
    private readonly List<long> _tileOffsets = [0];
    private readonly List<string> _sampleIds = [];

    public ShardFileWriter(string path, int tileSize)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Shards are little-endian; this machine is not.");
        _path = path;
        _tileSize = tileSize;
        _spoolPath = path + ".pixels-" + Guid.NewGuid().ToString("N") + ".partial";
        _pixels = new FileStream(_spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose);
    }

    public int Samples => _sampleIds.Count;

    public long Tokens => _inputIds.Count;

    public long Tiles => _tileOffsets[^1];

    /// <summary>Bytes the file will take (header aside).</summary>
    public long DataBytes => (_inputIds.Count + _labels.Count + _tokenOffsets.Count + _tileOffsets.Count) * sizeof(long) + _pixels.Length;

    public void Add(PackedSample sample)
    {
        _inputIds.AddRange(sample.InputIds);
        _labels.AddRange(sample.Labels);
        _tokenOffsets.Add(_inputIds.Count);
        _tileOffsets.Add(_tileOffsets[^1] + sample.Tiles);
        _sampleIds.Add(sample.Id);
        _pixels.Write(MemoryMarshal.AsBytes(sample.Pixels.AsSpan()));
    }

    /// <summary>Writes the shard file and returns what the index lists for it.</summary>
    public ShardFileInfo Complete()
    {
        var tensors = new (string Name, string DType, long[] Shape, long Bytes)[]
        {
            (ShardFormat.InputIds, "I64", [_inputIds.Count], _inputIds.Count * sizeof(long)),
            (ShardFormat.Labels, "I64", [_labels.Count], _labels.Count * sizeof(long)),
            (ShardFormat.TokenOffsets, "I64", [_tokenOffsets.Count], _tokenOffsets.Count * sizeof(long)),
            (ShardFormat.TileOffsets, "I64", [_tileOffsets.Count], _tileOffsets.Count * sizeof(long)),
            (ShardFormat.PixelValues, "F32", [Tiles, 3, _tileSize, _tileSize], _pixels.Length),
        };
        var header = new JsonObject
        {
            ["__metadata__"] = new JsonObject
            {
                ["format"] = ShardFormat.FileFormat,
                [ShardFormat.SampleIdsKey] = JsonSerializer.Serialize(_sampleIds),
            },
        };
        long offset = 0;
        foreach (var (name, dtype, shape, bytes) in tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var paddedLength = (headerBytes.Length + 7) / 8 * 8; // the data section starts 8-byte aligned

        var temporary = _path + ".partial-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)paddedLength);
                stream.Write(length);
                stream.Write(headerBytes);
                for (var i = headerBytes.Length; i < paddedLength; i++) stream.WriteByte((byte)' ');
                foreach (var values in new[] { _inputIds, _labels, _tokenOffsets, _tileOffsets })
                {
                    stream.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values)));
                }
                _pixels.Position = 0;
                _pixels.CopyTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, _path, overwrite: false);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return new ShardFileInfo(Path.GetFileName(_path), Samples, Tokens, Tiles);
    }

    /// <summary>Deletes the pixel spool (the shard file, once completed, stays).</summary>
    public void Dispose() => _pixels.Dispose();
}
