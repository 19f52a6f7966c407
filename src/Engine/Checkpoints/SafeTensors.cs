using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Checkpoints;

/// <summary>One tensor's entry in a safetensors header. Offsets are relative to the start of the data section.</summary>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// A small reader/writer for the safetensors format: an 8-byte little-endian header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}</c> padded with spaces to a
/// multiple of 8, then the raw little-endian tensor bytes back to back.
/// </summary>
/// <remarks>Written here rather than taken from a package for clear errors (file and tensor named) and atomic writes.</remarks>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, ScalarType> DTypes = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>The dtypes this reader understands, by their safetensors names.</summary>
    public static IReadOnlyCollection<string> SupportedDTypes => DTypes.Keys;

    /// <summary>The header's tensor entries (in file order) and its <c>__metadata__</c> strings.</summary>
    public static (IReadOnlyList<SafeTensorEntry> Entries, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        var (entries, metadata, _) = ReadHeader(stream, path);
        return (entries, metadata);
    }

    /// <summary>
    /// Loads every tensor (or those <paramref name="include"/> accepts) onto the CPU with its stored dtype. The
    /// tensors are created in the caller's dispose scope, if any.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, bool>? include = null)
    {
        using var stream = File.OpenRead(path);
        var (entries, _, dataStart) = ReadHeader(stream, path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries)
            {
                if (include is not null && !include(entry.Name)) continue;
                var byteCount = entry.End - entry.Begin;
                if (byteCount > int.MaxValue)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' is {byteCount} bytes; tensors over 2 GiB are not supported.");
                var buffer = new byte[byteCount];
                stream.Position = dataStart + entry.Begin;
                stream.ReadExactly(buffer);
                var tensor = empty(entry.Shape, dtype: DTypes[entry.DType]);
                if (byteCount > 0) tensor.bytes = buffer;
                result.Add(entry.Name, tensor);
            }
        }
        catch
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any layout; copied to contiguous CPU memory) to
    /// <paramref name="path"/>, atomically: the bytes go to a temporary file next to it, which then replaces it.
    /// Tensors are laid out by element size (largest first), then name, as the reference library does.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors writing needs a little-endian machine.");
        var ordered = tensors
            .Select(kv => (Name: kv.Key, Tensor: kv.Value, DType: DTypeName(kv.Key, kv.Value.dtype)))
            .OrderByDescending(t => t.Tensor.ElementSize)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata) meta[key] = value;
            header[MetadataKey] = meta;
        }
        long offset = 0;
        foreach (var (name, tensor, dtype) in ordered)
        {
            var size = tensor.NumberOfElements * tensor.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var paddedLength = (headerBytes.Length + 7) / 8 * 8;

        var temporary = path + ".partial-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> lengthBytes = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)paddedLength);
                stream.Write(lengthBytes);
                stream.Write(headerBytes);
                for (var i = headerBytes.Length; i < paddedLength; i++) stream.WriteByte((byte)' ');
                foreach (var (_, tensor, _) in ordered)
                {
                    if (tensor.NumberOfElements == 0) continue;
                    using var scope = NewDisposeScope();
                    var cpu = tensor.detach().cpu().contiguous();
                    stream.Write(cpu.bytes);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private static string DTypeName(string name, ScalarType dtype)
    {
        foreach (var (key, value) in DTypes)
        {
            if (value == dtype) return key;
        }
        throw new NotSupportedException($"Tensor '{name}' has dtype {dtype}, which safetensors writing here does not support.");
    }

    private static (List<SafeTensorEntry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(Stream stream, string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors reading needs a little-endian machine.");
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.Length < 8) throw new InvalidDataException($"{path}: not a safetensors file (only {stream.Length} bytes).");
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > (ulong)MaxHeaderBytes || (long)headerLength > stream.Length - 8)
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength} for a {stream.Length}-byte file).");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataStart = 8 + (long)headerLength;
        var dataLength = stream.Length - dataStart;

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(headerBytes).RootElement;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid JSON: {e.Message}", e);
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: the safetensors header is not a JSON object.");

        var entries = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var item in property.Value.EnumerateObject())
                        metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
                }
                continue;
            }
            entries.Add(ParseEntry(property, dataLength, path));
        }

        // Tensors may not overlap (the format also forbids holes; tolerate them, they only waste space).
        var byOffset = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (var i = 1; i < byOffset.Count; i++)
        {
            if (byOffset[i].Begin < byOffset[i - 1].End)
                throw new InvalidDataException($"{path}: tensors '{byOffset[i - 1].Name}' and '{byOffset[i].Name}' overlap.");
        }
        return (entries, metadata, dataStart);
    }

    private static SafeTensorEntry ParseEntry(JsonProperty property, long dataLength, string path)
    {
        var name = property.Name;
        var value = property.Value;
        string Bad(string why) => $"{path}: tensor '{name}': {why}";
        try
        {
            var dtype = value.GetProperty("dtype").GetString() ?? throw new InvalidDataException(Bad("dtype is null."));
            if (!DTypes.TryGetValue(dtype, out var scalarType))
                throw new InvalidDataException(Bad($"unsupported dtype {dtype} (supported: {string.Join(", ", DTypes.Keys)})."));
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (shape.Any(d => d < 0)) throw new InvalidDataException(Bad($"negative dimension in shape [{string.Join(", ", shape)}]."));
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2) throw new InvalidDataException(Bad("data_offsets must be [begin, end]."));
            var (begin, end) = (offsets[0], offsets[1]);
            if (begin < 0 || end < begin || end > dataLength)
                throw new InvalidDataException(Bad($"data_offsets [{begin}, {end}] fall outside the {dataLength}-byte data section (truncated file?)."));
            var elementSize = ElementSize(scalarType);
            var expected = shape.Aggregate(1L, (a, b) => a * b) * elementSize;
            if (end - begin != expected)
                throw new InvalidDataException(Bad($"holds {end - begin} bytes but {dtype} [{string.Join(", ", shape)}] needs {expected}."));
            return new SafeTensorEntry(name, dtype, shape, begin, end);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException(Bad($"malformed header entry ({e.Message})."), e);
        }
    }
}
